<?php
/**
 * The fast guard: every method and property our Ultimate Multisite classes declare, compared
 * by reflection with the same member of the parent class and interfaces of every release
 * folder found. A mismatch is a fatal error on that release (at plugins_loaded, so the whole
 * network is down); the failure names the release, our method and the parent's declaration.
 */

namespace WU_RunCloud\Tests\Compat;

use PHPUnit\Framework\TestCase;
use WU_RunCloud\Ultimate_Multisite\Domain_Mapping;
use WU_RunCloud\Ultimate_Multisite\Host_Provider;
use WU_RunCloud\Ultimate_Multisite\Integration;

final class SignatureGuardTest extends TestCase {

	private const OURS = [Integration::class, Domain_Mapping::class, Host_Provider::class];

	/** @var array<string, array> release dir => dump */
	private static array $dumps = [];

	/** What each release requires of $class: its parent and the interfaces $class adds. */
	private static function parents_in(string $dir, string $class): ?array {
		$ours  = new \ReflectionClass($class);
		$names = array_merge([$ours->getParentClass()->getName()], $ours->getInterfaceNames());
		$key   = $dir . '|' . implode(',', $names);
		if (!isset(self::$dumps[$key])) {
			$cmd = escapeshellarg(PHP_BINARY) . ' ' . escapeshellarg(__DIR__ . '/dump-release.php') . ' ' . escapeshellarg($dir);
			foreach ($names as $name) {
				$cmd .= ' ' . escapeshellarg($name);
			}
			exec($cmd . ' 2>&1', $lines, $rc);
			$dump = json_decode(implode("\n", $lines), true);
			if ($rc !== 0 || !is_array($dump)) {
				throw new \RuntimeException("Reading the parents of {$class} from {$dir} failed (exit {$rc}):\n" . implode("\n", $lines));
			}
			self::$dumps[$key] = $dump;
		}
		$dump = self::$dumps[$key];
		if ($dump[$names[0]] === null) {
			return null; // The release has no such parent: the plugin never loads this class there.
		}
		foreach ($names as $name) {
			if ($dump[$name] === null) {
				throw new \RuntimeException("Ultimate Multisite in {$dir} has {$names[0]} but not {$name}, which {$class} implements");
			}
		}
		return Signatures::merge(...array_values($dump));
	}

	public static function release_classes(): array {
		$cases = [];
		foreach (wu_compat_release_dirs() as $version => $dir) {
			foreach (self::OURS as $class) {
				if (self::parents_in($dir, $class) !== null) {
					$cases[$version . ' ' . substr(strrchr($class, '\\'), 1)] = [$version, $dir, $class];
				}
			}
		}
		return $cases;
	}

	/** @dataProvider release_classes */
	public function test_our_class_declares_only_what_the_release_accepts(string $version, string $dir, string $class): void {
		$problems = Signatures::problems(Signatures::describe_own(new \ReflectionClass($class)), self::parents_in($dir, $class), "Ultimate Multisite {$version}");
		$this->assertSame([], $problems, "PHP would stop with a fatal error loading {$class} on Ultimate Multisite {$version} ({$dir}):\n" . implode("\n", $problems));
	}

	public function test_each_of_our_classes_is_checked_against_at_least_one_release(): void {
		$checked = array_unique(array_column($this->release_classes(), 2));
		sort($checked);
		$ours = self::OURS;
		sort($ours);
		$this->assertSame($ours, $checked, 'Release folders under ' . wu_compat_frameworks_root() . ' should cover every framework we extend');
	}

	/**
	 * Cases where the answer is known, each judged by PHP itself in a child process: the
	 * comparison above must agree, or it could pass what PHP refuses.
	 *
	 * @return array<string, array{0:string,1:string}> parent declaration (named P), child body
	 */
	public static function php_cases(): array {
		return [
			'child adds a return type'            => ['class P { public function f() {} }', 'public function f(): void {}'],
			'child lacks the parent return type'  => ['class P { public function f(): void {} }', 'public function f() {}'],
			'child narrows a nullable return'     => ['class P { public function f(): ?string { return null; } }', 'public function f(): string { return ""; }'],
			'child widens a return'               => ['class P { public function f(): string { return ""; } }', 'public function f(): ?string { return null; }'],
			'array where iterable is declared'    => ['class P { public function f(): iterable { return []; } }', 'public function f(): array { return []; }'],
			'iterable where array is declared'    => ['class P { public function f(): array { return []; } }', 'public function f(): iterable { return []; }'],
			'child types an untyped parameter'    => ['class P { public function f($a) {} }', 'public function f(string $a) {}'],
			'child drops a parameter type'        => ['class P { public function f(string $a) {} }', 'public function f($a) {}'],
			'child takes fewer parameters'        => ['class P { public function f($a) {} }', 'public function f() {}'],
			'child requires an optional one'      => ['class P { public function f($a = 1) {} }', 'public function f($a) {}'],
			'child adds an optional parameter'    => ['class P { public function f($a) {} }', 'public function f($a, $b = null) {}'],
			'child adds a required parameter'     => ['class P { public function f($a) {} }', 'public function f($a, $b) {}'],
			'child is variadic'                   => ['class P { public function f($a, $b) {} }', 'public function f(...$a) {}'],
			'child narrows visibility'            => ['class P { public function f() {} }', 'protected function f() {}'],
			'child drops static'                  => ['class P { public static function f() {} }', 'public function f() {}'],
			'child overrides a final method'      => ['class P { final public function f() {} }', 'public function f() {}'],
			'child overrides a final constructor' => ['class P { final public function __construct() {} }', 'public function __construct() {}'],
			'child has its own constructor'       => ['class P { public function __construct(string $id) {} }', 'public function __construct() {}'],
			'interface typed, child untyped'      => ['interface P { public function f(): bool; }', 'public function f() { return true; }'],
			'interface typed, child typed'        => ['interface P { public function f(string $x): bool; }', 'public function f($x): bool { return true; }'],
			'abstract method left unimplemented'  => ['abstract class P { abstract public function f(); }', 'public function g() {}'],
			'typed property redeclared untyped'   => ['class P { protected array $x = []; }', 'protected $x = [];'],
			'untyped property redeclared typed'   => ['class P { protected $x; }', 'protected string $x = "";'],
			'typed property redeclared typed'     => ['class P { protected array $x = []; }', 'protected array $x = [1];'],
			'singleton slot retyped and narrowed' => ['class P { public static object $instance; }', 'private static ?C $instance = null;'],
			'private parent property redeclared'  => ['class P { private static $instance; }', 'private static ?C $instance = null;'],
		];
	}

	/** @dataProvider php_cases */
	public function test_the_comparison_agrees_with_php(string $parent, string $child): void {
		$relation = strncmp($parent, 'interface', 9) === 0 ? 'implements' : 'extends';
		exec(escapeshellarg(PHP_BINARY) . ' -n -r ' . escapeshellarg("{$parent} class C {$relation} P { {$child} } echo 'linked';") . ' 2>&1', $out);
		$php_accepts = implode("\n", $out) === 'linked';

		static $n = 0;
		$ns = 'WU_Guard_Case_' . ++$n;
		eval("namespace {$ns}; {$parent} class C { {$child} }");
		$problems = Signatures::problems(
			Signatures::describe_own(new \ReflectionClass("{$ns}\\C")),
			Signatures::describe_parent(new \ReflectionClass("{$ns}\\P")),
			'case'
		);
		$this->assertSame($php_accepts, $problems === [], ($php_accepts ? 'PHP links it, but the comparison objects: ' . implode('; ', $problems) : 'PHP refuses it (' . implode(' ', $out) . '), but the comparison finds nothing'));
	}
}
