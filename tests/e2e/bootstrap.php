<?php
// E2E_STACK_ENV: the stack.env written by scripts/stack.sh up (tests/e2e/run.sh sets it).
require __DIR__ . '/lib/Stack.php';
$env = getenv('E2E_STACK_ENV');
if ($env === false || $env === '') {
	fwrite(STDERR, "E2E_STACK_ENV is not set: run these tests through tests/e2e/run.sh\n");
	exit(1);
}
WuRunCloudE2E\Stack::load($env);
