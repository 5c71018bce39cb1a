# Entry points. `make up` and `make test` are the README's two commands.
SHELL := /bin/bash
STACK ?= dev
MOCHA := node_modules/.bin/mocha

.PHONY: check-up check-preview check-destroy install pulumi-tools prometheus-tools typecheck lint lint-workflows test test-unit test-app test-verification test-integration test-e2e up preview destroy bench

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.installed

typecheck: install
	node_modules/.bin/tsc --noEmit -p .

lint:
	scripts/check-file-length

# The upstream promtool checks the bundled prometheus.yml (Debian's lacks the Kubernetes discovery it uses).
prometheus-tools:
	scripts/install-prometheus >/dev/null

test-unit: install prometheus-tools
	$(MOCHA) 'tests/unit/**/*.test.ts'

# The reference app of the image (tests/fixtures/app, Go): contract and fault tests, with the real
# PostgreSQL of scripts/start-postgres for its database ping.
test-app:
	scripts/start-postgres >/dev/null
	cd tests/fixtures/app && ACV2_TEST_DATABASE_URL="postgres://acv2:$${ACV2_PG_PASSWORD:-acv2-local-test-pw}@127.0.0.1:$${ACV2_PG_PORT:-55432}/acv2" \
	  GOTOOLCHAIN=local go test -count=1 ./...

test-verification: install
	$(MOCHA) 'tests/verification/**/*.test.ts'

pulumi-tools:
	scripts/install-pulumi

test-integration: install pulumi-tools prometheus-tools
	$(MOCHA) --timeout 900000 'tests/integration/**/*.test.ts'

lint-workflows:
	scripts/lint-workflows

# Runs against a loopback control plane when scripts/install-k8s has built it; skips, saying so, when not.
test-e2e: install
	$(MOCHA) --timeout 900000 'tests/e2e/**/*.test.ts'

test: typecheck lint lint-workflows test-unit test-app test-verification test-integration test-e2e

# What the user must set first (passphrase, kubeconfig context) is checked before `npm ci`, and
# again with the cluster details by scripts/stack itself. Exit 0 when pulumi succeeded.
check-up check-preview check-destroy:
	@ACV2_STACK_CHECK_ONLY=1 scripts/stack $(@:check-%=%) $(STACK)

up: check-up install
	scripts/stack up $(STACK)

preview: check-preview install
	scripts/stack preview $(STACK)

destroy: check-destroy install
	scripts/stack destroy $(STACK)

bench: install
	npm run --silent bench:program
	npm run --silent bench:verify
