#!/usr/bin/env bash
# Rotates log files: compresses old ones and deletes the oldest beyond a limit.

log() {
  printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

usage() {
  printf 'usage: %s DIR [KEEP]\n' "${0##*/}"
}

rotate_dir() {
  local dir="$1" keep="${2:-5}"
  local count=0
  if [[ ! -d "$dir" ]]; then
    log "not a directory: $dir"
    return 1
  fi
  for file in "$dir"/*.log; do
    [[ -e "$file" ]] || continue
    if [[ -s "$file" && "$file" -ot "$dir/.last-rotation" ]]; then
      gzip -f "$file" && count=$((count + 1))
    fi
  done
  local archives
  archives=$(ls -1t "$dir"/*.gz 2>/dev/null | wc -l)
  while (( archives > keep )); do
    rm -f "$(ls -1t "$dir"/*.gz | tail -n 1)"
    archives=$((archives - 1))
  done
  touch "$dir/.last-rotation"
  log "rotated $count file(s) in $dir"
}

main() {
  case "${1:-}" in
    -h|--help)
      usage
      return 0
      ;;
    "")
      usage
      return 2
      ;;
  esac
  rotate_dir "$1" "${2:-5}"
}

if [[ "${BASH_SOURCE[0]}" == "${0}" ]]; then
  set -euo pipefail
  main "$@"
fi
