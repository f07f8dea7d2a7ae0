# The everyday workflow: thin targets over scripts/migrate.sh.
# Target database: DATABASE_URL, or the local cluster in .devdb/.
#
# User text never becomes part of a recipe line: every variable below reaches
# the script through its environment only, as given (no make expansion:
# `$(shell ...)`, `$5`, quotes and backticks arrive byte for byte), and the
# script quotes it.  A variable from the command line or the environment is
# taken with $(value ...), so make does not expand it when it exports it.
MIGRATE_VARS = MESSAGE REVISION AUTOGENERATE DATABASE_URL MIGRATIONS_DIR MODELS_DIR \
               MIGRATE_DEVDB BACKUP_DIR
$(foreach v,$(MIGRATE_VARS),$(if $(filter command line environment environment override,$(origin $v)),\
	$(eval override $v := $$(value $v))))
export $(MIGRATE_VARS)

MIGRATE_SH = bash '$(subst ','\'',$(CURDIR))/scripts/migrate.sh'
.PHONY: demo migrate-create migrate-merge migrate-upgrade migrate-downgrade \
        migrate-current migrate-history migrate-heads migrate-stamp migrate-check \
        migrate-status migrate-drift \
        db-backup db-start db-stop db-reset hooks

# Quick start: installs what is missing, brings up the local database with the
# extension, upgrades it to head with migrations/, shows current and history.
demo:
	@bash '$(subst ','\'',$(CURDIR))/scripts/install-deps.sh'
	@$(MAKE) -s --no-print-directory migrate-upgrade migrate-current migrate-history

migrate-create:
	@$(MIGRATE_SH) create "$$MESSAGE"

migrate-merge:
	@$(MIGRATE_SH) merge "$$MESSAGE"

# REVISION empty: head
migrate-upgrade:
	@$(MIGRATE_SH) upgrade "$$REVISION"

migrate-downgrade:
	@$(MIGRATE_SH) downgrade "$$REVISION"

migrate-current migrate-history migrate-heads migrate-status migrate-drift:
	@$(MIGRATE_SH) $(patsubst migrate-%,%,$@)

# several targets in one REVISION="a b": the script splits it on blanks
migrate-stamp:
	@$(MIGRATE_SH) stamp "$$REVISION"

migrate-check:
	@$(MIGRATE_SH) check

db-backup db-start db-stop db-reset:
	@$(MIGRATE_SH) $@

# the hook that guards migrations/, for commits and for merge commits: the
# program built here (else the one on the PATH) installs it, keeping any
# hook already there
hooks:
	@$(if $(wildcard cli/migrate),'$(subst ','\'',$(CURDIR))/cli/migrate',migrate) hook install
