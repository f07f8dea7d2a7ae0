#!/usr/bin/env bash
# pre-commit hook guarding migrations/ (install: make hooks, or
# ln -s ../../.migration-check.sh .git/hooks/pre-commit).
#
# Refuses a commit that
#  - edits, renames or deletes a migration file already in the history of
#    main: applied migrations are history; write a new one instead;
#  - adds a migration whose down_revision is not a current head of the other
#    migration files (two branches that each added a migration on the same
#    head leave two heads once merged: run make migrate-merge);
#  - changes models/ while the models and the development database at head
#    differ (make migrate-check): a model change needs its migration.
set -euo pipefail

dir=${MIGRATIONS_DIR:-migrations}
main=${MIGRATE_MAIN_BRANCH:-main}
status=0

refuse() { echo "migration check: $*" >&2; status=1; }

# paths are read NUL-separated (-z), so git never quotes them (core.quotepath)
# and no name is skipped; they are printed shell-quoted when unusual, and
# passed to git as literal pathspecs
export GIT_LITERAL_PATHSPECS=1
shown() { printf '%q' "$1"; }

# the rule of scripts/migrate.sh: <revision>_<slug>.sql, nothing else
name_ok() { [[ $1 =~ ^[0-9A-Za-z]+_[0-9A-Za-z_-]+\.sql$ ]]; }

# id and down_revisions of a migration as staged: "id down1 down2 ..."
staged_graph_line() {
	git show ":$1" | sed -nE "
		s/^[[:space:]]*revision[[:space:]]*=>[[:space:]]*'([A-Za-z0-9_]+)'.*/id \1/p
		s/^[[:space:]]*down_revision[[:space:]]*=>[[:space:]]*'\{([A-Za-z0-9_, ]*)\}'.*/down \1/p" |
		awk '$1 == "id" && id == "" { id = $2 } $1 == "down" && !d { down = $2; d = 1 } END { gsub(",", " ", down); print id, down }'
}

on_main() {   # path was committed on main at some point
	git rev-parse --verify -q "$main" >/dev/null && [ -n "$(git log --format=%H -1 "$main" -- "$1")" ]
}

added=()
while IFS= read -r -d '' st && IFS= read -r -d '' path; do
	case $path in "$dir"/*) ;; *) continue ;; esac
	if [ "$st" != D ] && ! name_ok "${path#"$dir"/}"; then
		refuse "$(shown "$path") is not a migration file name: only $dir/<revision>_<slug>.sql, revision from 0-9 a-z A-Z, slug from 0-9 a-z A-Z _ - (rename it)"
	fi
	case $st in
		A) name_ok "${path#"$dir"/}" && added+=("$path") ;;
		*) if on_main "$path"; then
			   refuse "$(shown "$path") is already on $main: do not edit an existing migration, write a new one (make migrate-create)"
		   fi ;;
	esac
done < <(git diff --cached --name-status --no-renames -z)

is_added() { local a; for a in "${added[@]}"; do [ "$a" = "$1" ] && return 0; done; return 1; }

if [ ${#added[@]} -gt 0 ]; then
	# the staged migrations: "new id down..." per file, file names kept apart
	lines=() paths=()
	while IFS= read -r -d '' f; do
		name_ok "${f#"$dir"/}" || continue
		new=0
		is_added "$f" && new=1
		lines+=("$new $(staged_graph_line "$f")")
		paths+=("$f")
	done < <(git ls-files -z -- "$dir")
	graph=$(printf '%s\n' "${lines[@]}")
	# heads among the staged migrations that this commit does not add
	heads=$(echo "$graph" | awk '$1 == 0 { ids[$2] = 1; for (i = 3; i <= NF; i++) named[$i] = 1 }
		END { for (id in ids) if (!(id in named)) print id }')
	added_ids=$(echo "$graph" | awk '$1 == 1 { print $2 }')
	for i in "${!lines[@]}"; do
		read -r new id downs <<<"${lines[$i]}"
		[ "$new" = 1 ] || continue
		file=${paths[$i]}
		# a merge brings migrations written on the other branch: only the
		# single-head rule below applies to them
		if git rev-parse -q --verify MERGE_HEAD >/dev/null && git cat-file -e "MERGE_HEAD:$file" 2>/dev/null; then
			continue
		fi
		for down in $downs; do
			if ! grep -qxF -- "$down" <<<"$heads" && ! grep -qxF -- "$down" <<<"$added_ids"; then
				refuse "$(shown "$file") revises $down, which is not a current head (heads: $(echo $heads | tr ' ' ',')): rebase it with make migrate-create, or join the heads with make migrate-merge"
			fi
		done
	done
	# and the result must have one head
	all_heads=$(echo "$graph" | awk '{ ids[$2] = 1; for (i = 3; i <= NF; i++) named[$i] = 1 }
		END { for (id in ids) if (!(id in named)) print id }' | sort)
	if [ "$(echo "$all_heads" | grep -c .)" -gt 1 ]; then
		refuse "this commit leaves $dir/ with several heads ($(echo $all_heads | tr ' ' ',')): run make migrate-merge MESSAGE=\"merge\" and commit the merge too"
	fi
fi

# a change to the models comes with its migration: the same check as make
# migrate-check, against the development database (or DATABASE_URL)
models_dir=${MODELS_DIR:-models}
top=$(git rev-parse --show-toplevel)
staged=$(git diff --cached --name-only -z | tr '\0' '\n')
if grep -q "^$models_dir/.*\.sql$" <<<"$staged" && [ -f "$top/scripts/migrate.sh" ]; then
	if ! out=$(MODELS_DIR="$top/$models_dir" MIGRATIONS_DIR="$top/$dir" bash "$top/scripts/migrate.sh" check 2>&1); then
		refuse "models/ changed but the database at head does not match it: write the migration (make migrate-create) and apply it (make migrate-upgrade)"
		echo "$out" | sed 's/^/    /' >&2
	fi
fi

exit $status
