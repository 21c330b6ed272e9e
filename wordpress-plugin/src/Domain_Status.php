<?php
/**
 * The one place that says what state a domain is in, for every surface that shows it: the
 * Domains table of Settings -> RunCloud, its views and counts, `wp runcloud domains`, Site
 * Health.
 *
 * The state is derived in SQL (state_sql()), so a view, its count, a search and a sort are
 * answered by the database a page at a time, never by loading every domain into PHP. A
 * network's domains are every hostname of its sites (but its main domain), every domain
 * recorded for it on the configured app, and every domain an operation of it still waits or
 * fails for. Each one is judged by its row in the domains table (t), its stage on the way to
 * HTTPS (g, Domain_State: waiting for DNS, certificate pending, a failed step) and its latest
 * operation (o, joined only when that operation still matters: waiting, running, failing, or
 * an add a wildcard made unnecessary).
 *
 * With several targets (WU_RUNCLOUD_TARGETS) a domain has one row per target: each web app
 * holds its own copy, certificate and operations, so one can be live while another fails, and
 * views, counts, search, sort and paging stay the database's. With one target nothing changes.
 *
 * A state is one entry in rules() at its place in the precedence, a label in labels() and,
 * if it has one, its view in VIEWS; every surface then shows it.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Domain_Status {

	/** Operations whose latest one speaks for a domain (a redeploy speaks for the whole app). */
	public const DOMAIN_OPS = ['add', 'remove', 'check'];

	/**
	 * The table's views: each a list of states (null: every state). The order is the order of
	 * the links.
	 */
	public const VIEWS = [
		'all'         => null,
		'live'        => ['live', 'wildcard'],
		'pending'     => ['cert_pending'],
		'waiting_dns' => ['waiting_dns'],
		'failing'     => ['failing'],
		'not_ours'    => ['not_ours'],
	];

	/** Columns a page may be sorted by. */
	public const ORDER_BY = ['domain', 'state', 'runcloud_id', 'updated'];

	/**
	 * Every state, in precedence order, with the SQL condition that puts a domain in it (the
	 * first that holds wins; 'missing' is what is left). t: the domain's row in the domains
	 * table, g: its stage, o: its latest operation when that one still matters (see from_sql()).
	 * A domain the plugin added with no stage (added before stages were kept, or with the DNS
	 * gate and HTTPS checks off) is live as far as RunCloud goes.
	 *
	 * @return array<string, string> state => condition
	 */
	private static function rules(): array {
		$stages = static fn(array $list): string => "g.stage IN ('" . implode("','", $list) . "')";
		return [
			'failing'      => "o.status IN ('" . implode("','", Queue::PROBLEMS) . "') OR " . $stages(Domain_State::FAILING),
			'queued'       => "o.status IN ('pending','running')",
			'waiting_dns'  => "o.status = 'waiting' OR " . $stages([Domain_State::WAITING_DNS]),
			'cert_pending' => 't.in_runcloud = 1 AND t.managed = 1 AND ' . $stages([Domain_State::IN_RUNCLOUD, Domain_State::CERT_PENDING]),
			'live'         => 't.in_runcloud = 1 AND t.managed = 1',
			'wildcard'    => "o.op = 'add' AND o.status = 'skipped'",
			'not_ours'    => 't.in_runcloud = 1',
			'missing'     => '1',
		];
	}

	/** @return array<string, string> state => what an operator reads */
	public static function labels(): array {
		return [
			'failing'      => __('Failing', 'wu-runcloud'),
			'queued'       => __('Queued', 'wu-runcloud'),
			'waiting_dns'  => __('Waiting for DNS', 'wu-runcloud'),
			'cert_pending' => __('In RunCloud, certificate pending', 'wu-runcloud'),
			'live'         => __('Live', 'wu-runcloud'),
			'wildcard'    => __('Live (covered by a wildcard domain)', 'wu-runcloud'),
			'not_ours'    => __('In RunCloud, not added by this plugin', 'wu-runcloud'),
			'missing'     => __('Not in RunCloud', 'wu-runcloud'),
		];
	}

	/** @return array<string, string> view => its link's words */
	public static function view_labels(): array {
		return [
			'all'         => __('All', 'wu-runcloud'),
			'live'        => __('Live', 'wu-runcloud'),
			'pending'     => __('Certificate pending', 'wu-runcloud'),
			'waiting_dns' => __('Waiting for DNS', 'wu-runcloud'),
			'failing'     => __('Failing', 'wu-runcloud'),
			'not_ours'    => __('Not ours', 'wu-runcloud'),
		];
	}

	/** Every state key, in precedence order. */
	public static function states(): array {
		return array_keys(self::rules());
	}

	/** A view name or a state name as the list of states it selects (null: all); false when it is neither. */
	public static function states_of(string $view_or_state) {
		if (array_key_exists($view_or_state, self::VIEWS)) {
			return self::VIEWS[$view_or_state];
		}
		return in_array($view_or_state, self::states(), true) ? [$view_or_state] : false;
	}

	/** The CASE that names a row's state. */
	private static function state_sql(): string {
		$sql = 'CASE';
		foreach (self::rules() as $state => $condition) {
			$sql .= " WHEN {$condition} THEN '{$state}'";
		}
		return $sql . ' END';
	}

	/**
	 * FROM ... of every domain of a network: the union of its names (n), their row in the
	 * domains table (t), their stage (g) and the latest operation when it still matters (o). A newer operation
	 * that was not set aside replaces an older one, whatever its status.
	 *
	 * o and z are looked up by domain (index domain_op), whatever the table statistics say:
	 * right after many rows were written, the optimizer otherwise joins the few waiting and
	 * failing operations to every name by comparing strings (0.2 s instead of 0.07 s at
	 * 10,000 domains).
	 */
	private static function from_sql(int $network_id): string {
		global $wpdb;
		$targets = Settings::targets() ?: [[0, 0]];
		$main    = Domain_Name::normalize((string) (get_network($network_id)->domain ?? ''));
		$ops     = Queue::table();
		$domains = Domains::table();
		$stages  = Domain_State::table();
		$listed  = "'" . implode("','", self::DOMAIN_OPS) . "'";
		$matters = "'" . implode("','", array_merge(Queue::ACTIVE, Queue::PROBLEMS, ['skipped'])) . "'";
		$aside   = "'" . implode("','", Queue::SET_ASIDE) . "'";
		$pairs   = implode(',', array_map(static fn($t) => sprintf('(%d,%d)', $t[0], $t[1]), $targets));
		$tg      = implode(' UNION ALL ', array_map(static fn($t) => sprintf('SELECT %d AS server_id, %d AS app_id', $t[0], $t[1]), $targets));
		// An operation recorded before any target was usable (0:0) speaks for every target.
		return $wpdb->prepare(
			"FROM (
				SELECT domain FROM {$wpdb->blogs} WHERE site_id = %d AND domain <> %s
				UNION SELECT domain FROM {$domains} WHERE network_id = %d AND (server_id, app_id) IN ({$pairs})
				UNION SELECT domain FROM {$ops} WHERE network_id = %d AND domain <> '' AND op IN ({$listed}) AND status IN ('" . implode("','", array_merge(Queue::ACTIVE, Queue::PROBLEMS)) . "')
			) n
			JOIN ({$tg}) tg
			LEFT JOIN {$domains} t ON t.network_id = %d AND t.server_id = tg.server_id AND t.app_id = tg.app_id AND t.domain = n.domain
			LEFT JOIN {$stages} g ON g.server_id = tg.server_id AND g.app_id = tg.app_id AND g.domain = n.domain
			LEFT JOIN {$ops} o FORCE INDEX (domain_op) ON o.network_id = %d AND o.domain = n.domain AND ((o.server_id = tg.server_id AND o.app_id = tg.app_id) OR (o.server_id = 0 AND o.app_id = 0)) AND o.op IN ({$listed}) AND o.status IN ({$matters})
				AND NOT EXISTS (SELECT 1 FROM {$ops} z FORCE INDEX (domain_op) WHERE z.network_id = o.network_id AND z.domain = o.domain AND z.server_id = o.server_id AND z.app_id = o.app_id AND z.id > o.id AND z.op IN ({$listed}) AND z.status NOT IN ({$aside}))",
			$network_id, $main, $network_id, $network_id, $network_id, $network_id
		);
	}

	/** WHERE for a search term (part of the domain name). */
	private static function search_sql(string $search): string {
		global $wpdb;
		$search = trim($search);
		return $search === '' ? '' : $wpdb->prepare(' WHERE n.domain LIKE %s', '%' . $wpdb->esc_like(strtolower($search)) . '%');
	}

	/**
	 * How many domains are in each state.
	 *
	 * @return array<string, int> every state => count (0 included)
	 */
	public static function counts(string $search = '', ?int $network_id = null): array {
		global $wpdb;
		$network_id ??= get_current_network_id();
		$rows = (array) $wpdb->get_results('SELECT state, COUNT(*) AS n FROM (SELECT ' . self::state_sql() . ' AS state ' . self::from_sql($network_id) . self::search_sql($search) . ') s GROUP BY state');
		self::check_read('the domains\' states');
		$out = array_fill_keys(self::states(), 0);
		foreach ($rows as $row) {
			$out[$row->state] = (int) $row->n;
		}
		return $out;
	}

	/**
	 * @param array<string, int> $counts As counts() returns them.
	 * @return array<string, int> view => count
	 */
	public static function view_counts(array $counts): array {
		$out = [];
		foreach (self::VIEWS as $view => $states) {
			$out[$view] = $states === null ? array_sum($counts) : array_sum(array_intersect_key($counts, array_flip($states)));
		}
		return $out;
	}

	/**
	 * One page of domains, each with its state and what explains it.
	 *
	 * @param array $args states (list, null for all), search, orderby (domain|state|runcloud_id|
	 *                    updated), order (asc|desc), per_page, paged (1-based), network_id.
	 * @return object[] domain, target ("server:app"), server_id, app_id, state, label, note (why: the failure, what DNS shows, what the
	 *                  certificate waits for; '' when nothing to say), stage and stage_label (on
	 *                  the way to HTTPS, '' when none), runcloud_id, managed, in_runcloud, site_id,
	 *                  and the latest operation: op_id, op, op_status, attempts, last_status,
	 *                  last_error (the operation's, or the failed step's), next_attempt_at,
	 *                  op_updated (null when none)
	 */
	public static function page(array $args): array {
		global $wpdb;
		$network_id = (int) ($args['network_id'] ?? get_current_network_id());
		$per_page   = max(1, (int) ($args['per_page'] ?? 20));
		$paged      = max(1, (int) ($args['paged'] ?? 1));
		$orderby    = in_array($args['orderby'] ?? '', self::ORDER_BY, true) ? $args['orderby'] : 'domain';
		$order      = strtolower((string) ($args['order'] ?? 'asc')) === 'desc' ? 'DESC' : 'ASC';
		if ($orderby === 'state') {
			$orderby = "FIELD(state, '" . implode("','", self::states()) . "')"; // precedence, not the alphabet
		}
		$where  = '';
		$states = $args['states'] ?? null;
		if (is_array($states)) {
			$states = array_values(array_intersect($states, self::states()));
			$where  = $states === [] ? ' WHERE 0' : " WHERE state IN ('" . implode("','", $states) . "')";
		}
		$rows = (array) $wpdb->get_results($wpdb->prepare(
			'SELECT * FROM (SELECT n.domain, tg.server_id, tg.app_id, ' . self::state_sql() . ' AS state, t.runcloud_id, t.managed, t.in_runcloud,
				GREATEST(COALESCE(t.updated_at, 0), COALESCE(o.updated_at, 0)) AS updated '
				. self::from_sql($network_id) . self::search_sql((string) ($args['search'] ?? '')) . ") s
			 {$where} ORDER BY {$orderby} {$order}, domain ASC, server_id ASC, app_id ASC LIMIT %d OFFSET %d",
			$per_page, ($paged - 1) * $per_page
		));
		self::check_read('the domains\' states');
		return self::explain($rows, $network_id);
	}

	/**
	 * One domain of the current network on one target (default: the first), as page()
	 * describes it; null when the network has no such domain.
	 */
	public static function of(string $domain, ?int $network_id = null, ?array $target = null): ?object {
		$domain = Domain_Name::normalize($domain);
		$target = $target ?? Settings::target() ?? [0, 0];
		foreach (self::page(['search' => $domain, 'per_page' => 50, 'network_id' => $network_id]) as $row) {
			if ($row->domain === $domain && [(int) $row->server_id, (int) $row->app_id] === [(int) $target[0], (int) $target[1]]) {
				return $row;
			}
		}
		return null;
	}

	/**
	 * Every domain of the selected states, a page at a time (for WP-CLI's formatter).
	 *
	 * @return \Generator<object>
	 */
	public static function each(?array $states, string $search = '', int $chunk = 500): \Generator {
		for ($paged = 1; ; $paged++) {
			$rows = self::page(['states' => $states, 'search' => $search, 'per_page' => $chunk, 'paged' => $paged]);
			yield from $rows;
			if (count($rows) < $chunk) {
				return;
			}
		}
	}

	/** A page's rows with their label, site and latest operation (one query each for the page). */
	private static function explain(array $rows, int $network_id): array {
		global $wpdb;
		if ($rows === []) {
			return [];
		}
		$names  = array_map(static fn($r) => (string) $r->domain, $rows);
		$in     = implode(',', array_fill(0, count($names), '%s'));
		$sites  = [];
		foreach ((array) $wpdb->get_results($wpdb->prepare("SELECT domain, MIN(blog_id) AS blog_id FROM {$wpdb->blogs} WHERE site_id = %d AND domain IN ({$in}) GROUP BY domain", $network_id, ...$names)) as $site) {
			$sites[strtolower((string) $site->domain)] = (int) $site->blog_id;
		}
		$latest = [];
		$where  = [];
		foreach ($rows as $row) {
			$key = $row->server_id . ':' . $row->app_id;
			if (!isset($latest[$key])) {
				$target       = [(int) $row->server_id, (int) $row->app_id];
				$latest[$key] = self::latest_ops($names, $network_id, $target);
				$where[$key]  = Domain_State::for_domains($names, $target);
			}
		}
		$labels = self::labels();
		foreach ($rows as $row) {
			$key                  = $row->server_id . ':' . $row->app_id;
			$op                   = $latest[$key][$row->domain] ?? null;
			$stage                = $where[$key][$row->domain] ?? null;
			$row->server_id       = (int) $row->server_id;
			$row->app_id          = (int) $row->app_id;
			$row->target          = $key;
			$op_failing           = $op !== null && in_array($op->status, Queue::PROBLEMS, true);
			$row->label           = $labels[$row->state] ?? $row->state;
			$row->stage           = $stage['stage'] ?? '';
			$row->stage_label     = $stage['label'] ?? '';
			$row->site_id         = $sites[$row->domain] ?? 0;
			$row->runcloud_id     = $row->runcloud_id !== null ? (int) $row->runcloud_id : null;
			$row->managed         = (bool) $row->managed;
			$row->in_runcloud     = $row->in_runcloud !== null ? (bool) $row->in_runcloud : null;
			$row->op_id           = $op ? (int) $op->id : null;
			$row->op              = $op ? (string) $op->op : null;
			$row->op_status       = $op ? (string) $op->status : null;
			$row->attempts        = $op ? (int) $op->attempts : 0;
			$row->last_status     = $op ? (int) $op->last_status : 0;
			// A failed step (certificate, HTTPS, DNS moved) speaks when no operation fails.
			$row->last_error      = $op_failing || $stage === null || !in_array($stage['stage'], Domain_State::FAILING, true) ? ($op ? (string) $op->last_error : '') : Domain_State::describe($stage);
			$row->note            = $row->state === 'failing' ? $row->last_error : (in_array($row->state, ['waiting_dns', 'cert_pending'], true) && $stage !== null ? (string) $stage['note'] : '');
			$row->next_attempt_at = $op ? (int) $op->next_attempt_at : 0;
			$row->op_updated      = $op ? (int) $op->updated_at : 0;
		}
		return $rows;
	}

	/**
	 * The operation that speaks for each of these domains of a network: its newest add,
	 * remove or check that was not set aside.
	 *
	 * @return array<string, object> domain => the operation's row
	 */
	public static function latest_ops(array $domains, int $network_id, ?array $target = null): array {
		$ops    = Queue::table();
		$out    = [];
		$scope  = $target !== null ? sprintf(' AND ((server_id = %d AND app_id = %d) OR (server_id = 0 AND app_id = 0))', $target[0], $target[1]) : '';
		$rows = Schema::select_in(
			"SELECT o.* FROM {$ops} o JOIN (SELECT MAX(id) AS id FROM {$ops} WHERE network_id = %d{$scope} AND domain IN ({in}) AND op IN ('" . implode("','", self::DOMAIN_OPS) . "') AND status NOT IN ('" . implode("','", Queue::SET_ASIDE) . "') GROUP BY domain) m ON m.id = o.id",
			[$network_id],
			$domains,
			'the domains\' operations'
		);
		foreach ($rows as $op) {
			$out[$op->domain] = $op;
		}
		return $out;
	}

	/** A failed read must never pass for "no domains". */
	private static function check_read(string $what): void {
		global $wpdb;
		if ($wpdb->last_error !== '') {
			throw new \RuntimeException(sprintf('%s could not be read: %s', $what, $wpdb->last_error));
		}
	}
}
