# The everyday workflow: thin targets over scripts/migrate.sh.
# Target database: DATABASE_URL, or the local cluster in .devdb/.

MIGRATE_SH = bash $(CURDIR)/scripts/migrate.sh
.PHONY: demo migrate-create migrate-merge migrate-upgrade migrate-downgrade \
        migrate-current migrate-history migrate-heads migrate-stamp migrate-check \
        migrate-status migrate-drift \
        db-backup db-start db-stop db-reset hooks

# Quick start: installs what is missing, brings up the local database with the
# extension, upgrades it to head with migrations/, shows current and history.
demo:
	@bash $(CURDIR)/scripts/install-deps.sh
	@$(MAKE) -s --no-print-directory migrate-upgrade migrate-current migrate-history

migrate-create:
	@$(MIGRATE_SH) create "$(MESSAGE)"

migrate-merge:
	@$(MIGRATE_SH) merge "$(MESSAGE)"

migrate-upgrade:
	@$(MIGRATE_SH) upgrade "$(or $(REVISION),head)"

migrate-downgrade:
	@$(MIGRATE_SH) downgrade "$(REVISION)"

migrate-current migrate-history migrate-heads migrate-status migrate-drift:
	@$(MIGRATE_SH) $(patsubst migrate-%,%,$@)

migrate-stamp:
	@$(MIGRATE_SH) stamp $(REVISION)

migrate-check:
	@$(MIGRATE_SH) check

db-backup db-start db-stop db-reset:
	@$(MIGRATE_SH) $@

# the hook that guards migrations/, for commits and for merge commits
hooks:
	@ln -sf ../../.migration-check.sh .git/hooks/pre-commit
	@ln -sf ../../.migration-check.sh .git/hooks/pre-merge-commit
	@echo "pre-commit and pre-merge-commit hooks installed"
