<?php
/**
 * Action Scheduler (bundled with Ultimate Multisite) reduced to the functions integrations
 * call, with an in-memory store. wu_double_as_run_due() plays the queue runner: it runs due
 * pending actions with positional arguments (do_action_ref_array + array_values), and marks
 * an action failed when it throws or when no callback is registered, as the real runner does.
 */

defined('ABSPATH') || exit;

$GLOBALS['wu_double_as_actions'] = [];

function wu_double_as_add($timestamp, $hook, $args, $group, $async) {
	$GLOBALS['wu_double_as_actions'][] = ['hook' => $hook, 'args' => (array) $args, 'group' => (string) $group, 'time' => (int) $timestamp, 'async' => $async, 'status' => 'pending'];
	return count($GLOBALS['wu_double_as_actions']);
}

function as_enqueue_async_action($hook, $args = [], $group = '', $unique = false, $priority = 10) {
	return wu_double_as_add(time(), $hook, $args, $group, true);
}

function as_schedule_single_action($timestamp, $hook, $args = [], $group = '', $unique = false, $priority = 10) {
	return wu_double_as_add($timestamp, $hook, $args, $group, false);
}

/** int timestamp of the next pending action, true for an async or in-progress one, false for none. */
function as_next_scheduled_action($hook, $args = null, $group = '') {
	$next = false;
	foreach ($GLOBALS['wu_double_as_actions'] as $action) {
		if ($action['hook'] !== $hook || ($group !== '' && $action['group'] !== $group) || ($args !== null && $action['args'] !== (array) $args)) {
			continue;
		}
		if ($action['status'] === 'in-progress' || ($action['status'] === 'pending' && $action['async'])) {
			return true;
		}
		if ($action['status'] === 'pending' && ($next === false || $action['time'] < $next)) {
			$next = $action['time'];
		}
	}
	return $next;
}

/** Supports the query keys hook, group, status, date (DateTime), date_compare and per_page. */
function as_get_scheduled_actions($args = [], $return_format = OBJECT) {
	$found = [];
	foreach ($GLOBALS['wu_double_as_actions'] as $i => $action) {
		if (isset($args['hook']) && $action['hook'] !== $args['hook']) {
			continue;
		}
		if (isset($args['group']) && $args['group'] !== '' && $action['group'] !== $args['group']) {
			continue;
		}
		if (isset($args['status']) && $args['status'] !== '' && $action['status'] !== $args['status']) {
			continue;
		}
		if (isset($args['date']) && $args['date'] instanceof \DateTimeInterface) {
			$when = $args['date']->getTimestamp();
			$cmp  = $args['date_compare'] ?? '<=';
			if (($cmp === '<=' && $action['time'] > $when) || ($cmp === '>=' && $action['time'] < $when)) {
				continue;
			}
		}
		$found[] = $i + 1;
	}
	$found = array_slice($found, 0, (int) ($args['per_page'] ?? 5));
	return $return_format === 'ids' ? $found : array_map(static fn($id) => $GLOBALS['wu_double_as_actions'][$id - 1], $found);
}

function as_unschedule_all_actions($hook, $args = [], $group = '') {
	foreach ($GLOBALS['wu_double_as_actions'] as &$action) {
		if ($action['hook'] === $hook && $action['status'] === 'pending' && ($group === '' || $action['group'] === $group)) {
			$action['status'] = 'canceled';
		}
	}
}

/** The queue runner: run pending actions due at $now (only $hooks when given). Returns the hooks run. */
function wu_double_as_run_due($now, ?array $hooks = null) {
	$ran = [];
	foreach ($GLOBALS['wu_double_as_actions'] as $i => $action) {
		if ($action['status'] !== 'pending' || $action['time'] > $now || ($hooks !== null && !in_array($action['hook'], $hooks, true))) {
			continue;
		}
		$GLOBALS['wu_double_as_actions'][$i]['status'] = 'in-progress';
		if (!has_action($action['hook'])) {
			$GLOBALS['wu_double_as_actions'][$i]['status'] = 'failed'; // "no callbacks are registered"
			continue;
		}
		try {
			do_action_ref_array($action['hook'], array_values($action['args']));
			$GLOBALS['wu_double_as_actions'][$i]['status'] = 'complete';
		} catch (\Throwable $e) {
			$GLOBALS['wu_double_as_actions'][$i]['status'] = 'failed';
		}
		$ran[] = $action['hook'];
	}
	return $ran;
}
