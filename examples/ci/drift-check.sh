#!/usr/bin/env bash
# drift-check.sh [DIR] [-- terraform plan arguments...]
#
# Checks one Terraform configuration (an environment) for drift: runs
# `terraform plan -detailed-exitcode -lock=false` and, when the plan is not
# empty, prints a short table of what drifted, from `terraform show -json`:
#
#   RESOURCE                           CHANGE                 DETAIL
#   module.llmops.llmops_replica_set.this  changed outside Terraform  llmops-dev-llmops-dev-1: config file ... changed
#   module.llmops.llmops_replica_set.this  update                 healthy_replicas: 1 -> (known after apply)
#
# Exit codes: 0 no drift, 2 drift (the table says what), 1 error (plan failed;
# its output is printed). Needs terraform (or $TERRAFORM) and jq. Run it after
# `terraform init`, with the same variables as apply (TF_VAR_... in CI).
set -uo pipefail

dir=.
if [ $# -gt 0 ] && [ "$1" != "--" ]; then dir=$1; shift; fi
[ "${1:-}" = "--" ] && shift
tf=${TERRAFORM:-terraform}
command -v jq >/dev/null || { echo "drift-check: jq is required" >&2; exit 1; }
cd "$dir" || { echo "drift-check: no directory $dir" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$tf" plan -detailed-exitcode -lock=false -input=false -no-color -out="$work/plan" "$@" >"$work/log" 2>&1
code=$?
case $code in
  0) echo "no drift in $dir"; exit 0 ;;
  2) ;;
  *) cat "$work/log" >&2; echo "drift-check: terraform plan failed (exit $code)" >&2; exit 1 ;;
esac
if ! "$tf" show -json "$work/plan" >"$work/plan.json" 2>"$work/log"; then
  cat "$work/log" >&2; echo "drift-check: terraform show -json failed" >&2; exit 1
fi

echo "drift in $dir:"
jq -r '
  def scalar: if type == "object" or type == "array" then "(\(type))" else tostring end;
  # Top-level attributes whose known value differs, as "name: before -> after".
  def changed($c):
    ($c.before // {}) as $b | ($c.after // {}) as $a | ($c.after_unknown // {}) as $u
    | [ (($b | keys) + ($a | keys)) | unique[]
        | select($b[.] != $a[.] and ($u[.] | not))
        | if ($b[.] | type) == "object" and ($a[.] | type) == "object"
          # A map: the keys that changed, not "(object) -> (object)".
          then . as $k | "\($k): " + ([(($b[$k] | keys) + ($a[$k] | keys)) | unique[] | . as $e
               | select($b[$k][$e] != $a[$k][$e]) | "\($e) \($b[$k][$e] | scalar) -> \($a[$k][$e] | scalar)"] | join(", "))
          else "\(.): \($b[.] | scalar) -> \($a[.] | scalar)" end ]
      # An observed count that an update recomputes (replica set repairs).
      + [ ($u | keys)[] | select(($u[.] == true) and ($b[.] | type) == "number")
        | "\(.): \($b[.]) -> (known after apply)" ];
  # Replicas that vanished or differ from the declaration (llmops_replica_set).
  def replicas($c):
    ([$c.before.containers[]?.name]) as $was
    | [ ($c.after.containers // [])[] | select((.drift // "") != "") | "\(.name): \(.drift)" ]
      + [ $was[] | select(. as $n | [$c.after.containers[]?.name] | index($n) | not) | "\(.): gone" ];
  ( (.resource_drift // [])[]
    | [ .address, "changed outside Terraform",
        ((replicas(.change) + [changed(.change)[] | select(startswith("containers:") | not)]) | join("; ")) ] ),
  ( (.resource_changes // [])[]
    | select(.change.actions != ["no-op"] and .change.actions != ["read"])
    | [ .address, (.change.actions | join("+")), (changed(.change) | join("; ")) ] )
  | @tsv' "$work/plan.json" >"$work/table" || { echo "drift-check: reading the plan failed" >&2; exit 1; }
if command -v column >/dev/null; then column -t -s $'\t' "$work/table"; else cat "$work/table"; fi
exit 2
