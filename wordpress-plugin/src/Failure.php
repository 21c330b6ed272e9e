<?php
/**
 * What the queue needs to know about a failed call, and nothing more: its outcome, HTTP
 * status and whether to try again. The message is the extension's own (cause, RunCloud's
 * words, the one thing to do, naming the wp-config constant through `setting_names`), shown
 * as it is: the plugin never rewords it.
 *
 * @package WU_RunCloud
 */

namespace WU_RunCloud;

defined('ABSPATH') || exit;

final class Failure {

	/**
	 * @param string $domain The operation's domain, '' for app-wide calls: an invalid name
	 *                       is that row's problem alone, an invalid configuration holds the
	 *                       whole queue.
	 * @return array{outcome:string, status:int, message:string, permanent:bool}
	 *         outcome: invalid | config | rejected | auth_failed | not_found | rate_limited |
	 *         unreachable | error
	 */
	public static function of(\Throwable $e, string $domain = ''): array {
		$message = Log::clean($e->getMessage());
		if (!$e instanceof \WuRunCloud\RunCloudException) {
			// Not the extension's: a PHP or database error, worded by whoever threw it.
			/* translators: %s: the error's message */
			return self::outcome('error', 0, sprintf(__('Unexpected error: %s', 'wu-runcloud'), $message), false);
		}
		$status = (int) $e->getCode();
		if ($e instanceof \WuRunCloud\InvalidArgumentException) {
			// Refused before any request: the name (that row's problem alone, in the words the
			// extension gives it even when the configuration was refused first) or the
			// configuration (every row's: the queue holds instead of failing them all).
			$name_problem = $domain !== '' ? Domain_Name::problem($domain) : null;
			return $name_problem !== null
				? self::outcome('invalid', 0, Log::clean($name_problem), true)
				: self::outcome('config', 0, $message, false);
		}
		if ($e instanceof \WuRunCloud\ValidationException) {
			return self::outcome('rejected', $status, $message, true);
		}
		$retried = [
			\WuRunCloud\AuthenticationException::class => 'auth_failed',
			\WuRunCloud\NotFoundException::class       => 'not_found',
			\WuRunCloud\RateLimitException::class      => 'rate_limited',
			\WuRunCloud\TransportException::class      => 'unreachable',
		];
		foreach ($retried as $class => $outcome) {
			if ($e instanceof $class) {
				return self::outcome($outcome, $status, $message, false);
			}
		}
		return self::outcome('error', $status, $message, false);
	}

	private static function outcome(string $outcome, int $status, string $message, bool $permanent): array {
		return ['outcome' => $outcome, 'status' => $status, 'message' => $message, 'permanent' => $permanent];
	}
}
