# migrate: PGXS build.  `make test` is the one command that installs what is
# missing, builds with warnings as errors, installs, and runs every test
# against a throw-away cluster (see test/run.sh).

EXTENSION  = migrate

MODULE_big = $(EXTENSION)
OBJS       = $(patsubst %.c,%.o,$(wildcard src/*.c))
DATA       = $(wildcard sql/$(EXTENSION)--*.sql)

REGRESS      = $(patsubst test/sql/%.sql,%,$(sort $(wildcard test/sql/*.sql)))
REGRESS_OPTS = --inputdir=test --load-extension=$(EXTENSION)
ISOLATION      = $(patsubst test/specs/%.spec,%,$(sort $(wildcard test/specs/*.spec)))
# outputdir "." makes pg_regress 15 look for expected files in ./expected
ISOLATION_OPTS = --inputdir=test --outputdir=. --load-extension=$(EXTENSION)

# PostgreSQL's own headers have unused parameters in inline functions
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter

EXTRA_CLEAN = results output_iso regression.diffs regression.out

# PGXS tracks no header dependencies without --enable-depend: a changed
# struct in a header must rebuild every file, or the objects disagree
$(OBJS): $(wildcard src/*.h)

PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(PGXS),)
include $(PGXS)
else
# A fresh machine: `make test` and `make demo` install PostgreSQL first.
all install installcheck:
	@echo "migrate: PostgreSQL 15 server headers are missing: run make test or make demo, which install them" >&2; exit 1
endif

.PHONY: test
test:
	bash test/run.sh

# The everyday workflow (migration files, local database): mk/workflow.mk
include mk/workflow.mk

# the suites under valgrind: slow, run after touching memory handling
.PHONY: test-valgrind
test-valgrind:
	bash test/hardening/valgrind.sh

# migrate against psql -1 -f, Alembic and Sqitch; figures, not a test
.PHONY: bench
bench:
	bash bench/run.sh
