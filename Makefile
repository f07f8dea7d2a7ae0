# migrate: PGXS build.  `make test` is the one command that installs what is
# missing, builds with warnings as errors, installs, and runs every test
# against throw-away clusters (see test/run.sh).

EXTENSION  = migrate
# the version lives in migrate.control only
EXTVERSION = $(shell sed -n "s/^default_version = '\([^']*\)'.*/\1/p" $(EXTENSION).control)
# the version the newest update script starts from
PREVVERSION = 1.1

# pgvector's rule: a rule before `include $(PGXS)` becomes the default
# target, so `all` comes first
all:

MODULE_big = $(EXTENSION)
OBJS       = $(patsubst %.c,%.o,$(wildcard src/*.c))

# The install script of the current version and the newest update script are
# built from the SQL sources, one file per concern (pgvector's DATA_built);
# released scripts (migrate--1.0.sql, migrate--1.0--1.1.sql) are frozen.
SQL_FUNCTIONS = sql/parts/api.sql sql/parts/describe.sql sql/parts/guard.sql sql/parts/diff.sql
SQL_INSTALL   = sql/parts/catalog.sql $(SQL_FUNCTIONS) sql/parts/guard_triggers.sql
SQL_UPDATE    = sql/updates/$(EXTENSION)--$(PREVVERSION)--$(EXTVERSION).sql
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql sql/$(EXTENSION)--$(PREVVERSION)--$(EXTVERSION).sql
DATA       = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))

sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_INSTALL) $(EXTENSION).control
	{ echo '/* migrate $(EXTVERSION): built from $(SQL_INSTALL); edit those */'; \
	  printf '%s\n' '\echo Use "CREATE EXTENSION migrate" to load this file. \quit'; \
	  cat $(SQL_INSTALL); } > $@

sql/$(EXTENSION)--$(PREVVERSION)--$(EXTVERSION).sql: $(SQL_UPDATE) $(SQL_FUNCTIONS) $(EXTENSION).control
	{ echo '/* migrate $(PREVVERSION) -> $(EXTVERSION): built from $(SQL_UPDATE) $(SQL_FUNCTIONS); edit those */'; \
	  printf '%s\n' '\echo Use "ALTER EXTENSION migrate UPDATE TO '"'"'$(EXTVERSION)'"'"'" to load this file. \quit'; \
	  cat $(SQL_UPDATE) $(SQL_FUNCTIONS); } > $@

REGRESS      = $(patsubst test/sql/%.sql,%,$(sort $(wildcard test/sql/*.sql)))
REGRESS_OPTS = --inputdir=test --load-extension=$(EXTENSION)
ISOLATION      = $(patsubst test/specs/%.spec,%,$(sort $(wildcard test/specs/*.spec)))
# outputdir "." makes pg_regress 15 look for expected files in ./expected
ISOLATION_OPTS = --inputdir=test --outputdir=. --load-extension=$(EXTENSION)

# PostgreSQL's own headers have unused parameters in inline functions
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter

EXTRA_CLEAN = results output_iso regression.diffs regression.out

PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(PGXS),)
include $(PGXS)
else
# A fresh machine: `make test` and `make demo` install PostgreSQL first.
all install installcheck:
	@echo "migrate: PostgreSQL server headers are missing: run make test or make demo, which install them" >&2; exit 1
endif

# PGXS tracks no header dependencies without --enable-depend: a changed
# struct in a header must rebuild every file, or the objects disagree
$(OBJS): $(wildcard src/*.h)

.PHONY: test
test:
	bash test/run.sh

# The everyday workflow (migration files, local database): mk/workflow.mk
include mk/workflow.mk

# The command-line program (cli/) has its own PGXS makefile: PGXS builds
# one MODULE_big or one PROGRAM per makefile.  Its TAP tests: make -C cli installcheck
# (WITH_CLI=no builds the extension alone: test/run-version.sh builds it
# against a newer major's server headers, which come without libpq's; the
# program is a libpq client and talks to any supported major as built.)
WITH_CLI ?= yes
ifeq ($(WITH_CLI),yes)
all: all-cli
install: install-cli
clean: clean-cli
endif
.PHONY: all-cli install-cli clean-cli
all-cli:
	$(MAKE) -C cli all PG_CONFIG=$(PG_CONFIG)
install-cli:
	$(MAKE) -C cli install PG_CONFIG=$(PG_CONFIG)
clean-cli:
	$(MAKE) -C cli clean PG_CONFIG=$(PG_CONFIG)

# the suites under valgrind: slow, run after touching memory handling
.PHONY: test-valgrind
test-valgrind:
	bash test/hardening/valgrind.sh

# migrate against psql -1 -f, Alembic and Sqitch; figures, not a test
.PHONY: bench
bench:
	bash bench/run.sh
