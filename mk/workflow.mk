# The everyday workflow: each target one call of the migrate program (cli/).
# Target database: DATABASE_URL (or the PG* variables), else the local
# development cluster in .devdb/ (MIGRATE_DEVDB), which the program starts.
#
# User text never becomes part of a recipe line: every variable below reaches
# the program through its environment only, as given (no make expansion:
# `$(shell ...)`, `$5`, quotes and backticks arrive byte for byte); a recipe
# names it as "$$VAR", which the shell expands without re-reading it.  A
# variable from the command line or the environment is taken with
# $(value ...), so make does not expand it when it exports it.
MIGRATE_VARS = MESSAGE REVISION AUTOGENERATE DATABASE_URL MIGRATIONS_DIR MODELS_DIR \
               MODELS_DATABASE_URL MIGRATE_DEVDB BACKUP_DIR MIGRATE_WITH_PRIVILEGES \
               MIGRATE_WITH_OWNERS
$(foreach v,$(MIGRATE_VARS),$(if $(filter command line environment environment override,$(origin $v)),\
	$(eval override $v := $$(value $v))))
export $(MIGRATE_VARS)
# the program finds initdb, pg_ctl and pg_dump through this pg_config
export PG_CONFIG

# the program built here (make builds it); MIGRATE_BIN=migrate: the installed one
MIGRATE_BIN ?= $(CURDIR)/cli/migrate
MIGRATE = '$(subst ','\'',$(MIGRATE_BIN))'
.PHONY: demo migrate-create migrate-merge migrate-upgrade migrate-downgrade \
        migrate-current migrate-history migrate-heads migrate-stamp migrate-check \
        migrate-status migrate-drift \
        db-backup db-start db-stop db-reset hooks

WORKFLOW_TARGETS = migrate-create migrate-merge migrate-upgrade migrate-downgrade \
        migrate-current migrate-history migrate-heads migrate-stamp migrate-check \
        migrate-status migrate-drift db-backup db-start db-stop db-reset
$(WORKFLOW_TARGETS): | $(if $(filter $(CURDIR)/cli/migrate,$(MIGRATE_BIN)),cli/migrate)
cli/migrate:
	@$(MAKE) -s --no-print-directory -C cli all PG_CONFIG='$(subst ','\'',$(PG_CONFIG))'

# Quick start: installs what is missing, builds and installs the extension
# and the program, brings up the local database with the extension, upgrades
# it to head with migrations/, shows current and history.
demo:
	@bash '$(subst ','\'',$(CURDIR))/scripts/install-deps.sh'
	@if [ -w "$$('$(subst ','\'',$(PG_CONFIG))' --pkglibdir)" ]; then $(MAKE) -s --no-print-directory install >/dev/null; \
	 else $(MAKE) -s --no-print-directory all >/dev/null && sudo $(MAKE) -s --no-print-directory install >/dev/null; fi
	@$(MAKE) -s --no-print-directory migrate-upgrade migrate-current migrate-history

# AUTOGENERATE=0: an empty revision, not one written from models/
migrate-create:
	@$(MIGRATE) create $(if $(filter 0,$(AUTOGENERATE)),--empty) -- "$$MESSAGE"

migrate-merge:
	@$(MIGRATE) merge -- $${MESSAGE:+"$$MESSAGE"}

# REVISION empty: head
migrate-upgrade:
	@$(MIGRATE) upgrade -- $${REVISION:+"$$REVISION"}

migrate-downgrade:
	@$(MIGRATE) downgrade -- $${REVISION:+"$$REVISION"}

migrate-current migrate-history migrate-heads migrate-status migrate-drift migrate-check:
	@$(MIGRATE) $(patsubst migrate-%,%,$@)

# several targets in one REVISION="a b": split on blanks, never globbed (set -f)
migrate-stamp:
	@set -f; $(MIGRATE) stamp -- $$REVISION

db-backup db-start db-stop db-reset:
	@$(MIGRATE) db $(patsubst db-%,%,$@)

# the hook that guards migrations/, for commits and for merge commits: the
# program built here (else the one on the PATH) installs it, keeping any
# hook already there
hooks:
	@$(if $(wildcard cli/migrate),'$(subst ','\'',$(CURDIR))/cli/migrate',migrate) hook install
