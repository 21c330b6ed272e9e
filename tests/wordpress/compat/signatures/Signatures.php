<?php
/**
 * Class signatures as plain arrays (from reflection), and PHP's inheritance rules applied to
 * them: which of a child's declarations a parent declaration makes fatal.
 *
 * PHP links a subclass when it is first loaded and stops at the first incompatible method
 * with a fatal error; this comparison names every one, for every release, without loading
 * the child against the real parent. SignatureGuardTest checks that it agrees with PHP.
 */

namespace WU_RunCloud\Tests\Compat;

final class Signatures {

	/** Everything a subclass must be compatible with, declared by $class and its ancestors and interfaces. */
	public static function describe_parent(\ReflectionClass $class): array {
		$methods = [];
		foreach ($class->getMethods() as $method) {
			$methods[strtolower($method->getName())][] = self::describe_method($method);
		}
		foreach ($class->getInterfaces() as $interface) {
			foreach ($interface->getMethods() as $method) {
				$methods[strtolower($method->getName())][] = self::describe_method($method);
			}
		}
		$properties = [];
		foreach ($class->getProperties() as $property) {
			$properties[$property->getName()] = self::describe_property($property);
		}
		$final_constructor = null;
		for ($c = $class; $c; $c = $c->getParentClass()) {
			$ctor = $c->hasMethod('__construct') ? $c->getMethod('__construct') : null;
			if ($ctor && $ctor->isFinal()) {
				$final_constructor = $ctor->getDeclaringClass()->getName() . '::__construct()';
				break;
			}
		}
		return ['name' => $class->getName(), 'interface' => $class->isInterface(), 'methods' => $methods, 'properties' => $properties, 'final_constructor' => $final_constructor];
	}

	/** What $class itself declares (not what it inherits): the part that must fit the parent. */
	public static function describe_own(\ReflectionClass $class): array {
		$methods = [];
		foreach ($class->getMethods() as $method) {
			if ($method->getDeclaringClass()->getName() === $class->getName()) {
				$methods[strtolower($method->getName())] = self::describe_method($method);
			}
		}
		$properties = [];
		foreach ($class->getProperties() as $property) {
			if ($property->getDeclaringClass()->getName() === $class->getName()) {
				$properties[$property->getName()] = self::describe_property($property);
			}
		}
		return ['name' => $class->getName(), 'abstract' => $class->isAbstract(), 'methods' => $methods, 'properties' => $properties];
	}

	public static function describe_method(\ReflectionMethod $m): array {
		$params = [];
		foreach ($m->getParameters() as $p) {
			$params[] = [
				'name'     => $p->getName(),
				'type'     => self::type($p->getType(), $m->getDeclaringClass()->getName()),
				'optional' => $p->isOptional(),
				'variadic' => $p->isVariadic(),
				'byref'    => $p->isPassedByReference(),
			];
		}
		return [
			'class'      => $m->getDeclaringClass()->getName(),
			'name'       => $m->getName(),
			'static'     => $m->isStatic(),
			'final'      => $m->isFinal(),
			'abstract'   => $m->isAbstract(),
			'visibility' => $m->isPublic() ? 'public' : ($m->isProtected() ? 'protected' : 'private'),
			'return'     => self::type($m->getReturnType(), $m->getDeclaringClass()->getName()),
			'params'     => $params,
		];
	}

	public static function describe_property(\ReflectionProperty $p): array {
		return [
			'class'      => $p->getDeclaringClass()->getName(),
			'static'     => $p->isStatic(),
			'visibility' => $p->isPublic() ? 'public' : ($p->isProtected() ? 'protected' : 'private'),
			'type'       => self::type($p->getType(), $p->getDeclaringClass()->getName()),
		];
	}

	/** A type as a sorted `a|b|null` string (`?T` spelled `T|null`), or null when untyped. */
	private static function type(?\ReflectionType $type, string $self): ?string {
		if ($type === null) {
			return null;
		}
		$names = $type instanceof \ReflectionUnionType
			? array_map(static fn($t) => $t->getName(), $type->getTypes())
			: [$type->getName()];
		if ($type->allowsNull() && !in_array('null', $names, true) && !in_array('mixed', $names, true)) {
			$names[] = 'null';
		}
		$names = array_map(static fn($n) => strtolower($n) === 'self' ? $self : ltrim($n, '\\'), $names);
		sort($names);
		return implode('|', $names);
	}

	/**
	 * Why PHP would refuse $child (describe_own) as a subclass of $parent (describe_parent):
	 * one sentence per problem, naming the method, the parent declaration and $where.
	 *
	 * @return string[]
	 */
	public static function problems(array $child, array $parent, string $where): array {
		$out   = [];
		$short = static fn(array $m) => $m['class'] . '::' . $m['name'] . '(' . implode(', ', array_map([self::class, 'param_string'], $m['params'])) . ')' . ($m['return'] !== null ? ': ' . $m['return'] : '');
		foreach ($child['methods'] as $lname => $mine) {
			$label = $child['name'] . '::' . $mine['name'] . '()';
			if ($lname === '__construct') {
				if ($parent['final_constructor'] !== null) {
					$out[] = "{$where}: {$label} overrides the final {$parent['final_constructor']}";
				}
				continue; // Constructors are otherwise exempt from signature checks.
			}
			foreach ($parent['methods'][$lname] ?? [] as $theirs) {
				if ($theirs['visibility'] === 'private') {
					continue;
				}
				$against = $short($theirs);
				if ($theirs['final']) {
					$out[] = "{$where}: {$label} overrides final {$against}";
				}
				if ($mine['static'] !== $theirs['static']) {
					$out[] = "{$where}: {$label} is " . ($mine['static'] ? '' : 'not ') . "static, unlike {$against}";
				}
				if ($mine['visibility'] !== 'public' && ($theirs['visibility'] === 'public' || $mine['visibility'] === 'private')) {
					$out[] = "{$where}: {$label} is {$mine['visibility']}, narrower than {$against}";
				}
				$return = self::return_problem($mine['return'], $theirs['return']);
				if ($return !== null) {
					$out[] = "{$where}: {$label} {$return}, incompatible with {$against}";
				}
				foreach (self::param_problems($mine['params'], $theirs['params']) as $problem) {
					$out[] = "{$where}: {$label} {$problem}, incompatible with {$against}";
				}
			}
		}
		foreach ($child['properties'] as $name => $mine) {
			$theirs = $parent['properties'][$name] ?? null;
			if ($theirs === null || $theirs['visibility'] === 'private') {
				continue;
			}
			$label   = $child['name'] . '::$' . $name;
			$against = $theirs['class'] . '::$' . $name . ($theirs['type'] !== null ? " ({$theirs['type']})" : ' (untyped)');
			if ($mine['type'] !== $theirs['type']) {
				$out[] = "{$where}: {$label} is declared " . ($mine['type'] ?? 'untyped') . ", but a redeclared property must keep its type: {$against}";
			}
			if ($mine['static'] !== $theirs['static']) {
				$out[] = "{$where}: {$label} changes static-ness of {$against}";
			}
			if ($mine['visibility'] !== 'public' && ($theirs['visibility'] === 'public' || $mine['visibility'] === 'private')) {
				$out[] = "{$where}: {$label} is {$mine['visibility']}, narrower than {$against}";
			}
		}
		if (!$child['abstract']) {
			foreach ($parent['methods'] as $lname => $declarations) {
				$implemented = isset($child['methods'][$lname]);
				foreach ($declarations as $theirs) {
					$implemented = $implemented || !$theirs['abstract'];
				}
				if (!$implemented) {
					$out[] = "{$where}: {$child['name']} does not implement abstract " . $short($declarations[0]);
				}
			}
		}
		return array_values(array_unique($out));
	}

	/** Return types are covariant: a child may add or narrow one, never drop or widen it. */
	private static function return_problem(?string $mine, ?string $theirs): ?string {
		if ($theirs === null) {
			return null;
		}
		if ($mine === null) {
			return 'has no return type';
		}
		if ($theirs === 'void' || $mine === 'void') {
			return $mine === $theirs ? null : "returns {$mine}";
		}
		return self::is_subtype($mine, $theirs) ? null : "returns {$mine}";
	}

	/** Parameters are contravariant: a child may drop or widen a type, never add or narrow one. */
	private static function param_problems(array $mine, array $theirs): array {
		$out      = [];
		$variadic = null;
		foreach ($mine as $p) {
			if ($p['variadic']) {
				$variadic = $p;
			}
		}
		foreach ($theirs as $i => $their) {
			$my = $mine[$i] ?? $variadic;
			if ($my === null) {
				$out[] = 'takes fewer parameters (no $' . $their['name'] . ')';
				continue;
			}
			if ($my['byref'] !== $their['byref']) {
				$out[] = 'passes $' . $my['name'] . ($my['byref'] ? ' by reference' : ' by value');
			}
			if (!$my['optional'] && $their['optional']) {
				$out[] = 'requires $' . $my['name'];
			}
			if ($my['type'] !== null && $my['type'] !== 'mixed' && ($their['type'] === null || !self::is_subtype($their['type'], $my['type']))) {
				$out[] = 'declares $' . $my['name'] . ' as ' . $my['type'];
			}
		}
		foreach (array_slice($mine, count($theirs)) as $extra) {
			if (!$extra['optional']) {
				$out[] = 'requires an extra parameter $' . $extra['name'];
			}
		}
		return $out;
	}

	/** One description from several: the parent class and the interfaces the child adds. */
	public static function merge(array ...$parents): array {
		$merged = ['name' => $parents[0]['name'], 'methods' => [], 'properties' => $parents[0]['properties'], 'final_constructor' => $parents[0]['final_constructor']];
		foreach ($parents as $parent) {
			foreach ($parent['methods'] as $lname => $declarations) {
				foreach ($declarations as $declaration) {
					if (!in_array($declaration, $merged['methods'][$lname] ?? [], true)) {
						$merged['methods'][$lname][] = $declaration;
					}
				}
			}
		}
		return $merged;
	}

	/** Whether every value of type $a is a value of type $b (names compared as written). */
	private static function is_subtype(string $a, string $b): bool {
		$b_parts = explode('|', $b);
		if (in_array('mixed', $b_parts, true)) {
			return true;
		}
		foreach (explode('|', $a) as $part) {
			$ok = in_array($part, $b_parts, true)
				|| $part === 'never'
				|| (in_array($part, ['false', 'true'], true) && in_array('bool', $b_parts, true))
				|| ($part === 'array' && in_array('iterable', $b_parts, true))
				|| (!in_array($part, ['int', 'float', 'string', 'bool', 'array', 'null', 'void', 'iterable', 'callable', 'mixed', 'false', 'true'], true)
					&& (in_array('object', $b_parts, true) || self::class_within($part, $b_parts)));
			if (!$ok) {
				return false;
			}
		}
		return true;
	}

	private static function class_within(string $class, array $parts): bool {
		foreach ($parts as $part) {
			if (class_exists($class, false) && (class_exists($part, false) || interface_exists($part, false)) && is_a($class, $part, true)) {
				return true;
			}
		}
		return false;
	}

	private static function param_string(array $p): string {
		return ($p['type'] !== null ? $p['type'] . ' ' : '') . ($p['byref'] ? '&' : '') . ($p['variadic'] ? '...' : '') . '$' . $p['name'];
	}
}
