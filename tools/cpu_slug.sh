#!/usr/bin/env bash
# cpu_slug.sh [aekit-binary] — the reports/<slug>/ name of this CPU: its model
# string in lower case with every run of other characters turned into '-'.
bin=${1:-build/aekit}
model=$("$bin" info 2>/dev/null | sed -n 's/^cpu  *//p')
[ -n "$model" ] || model=$(uname -m)-unknown
echo "$model" | tr 'A-Z' 'a-z' | sed -E 's/\((r|tm)\)//g; s/[^a-z0-9]+/-/g; s/^-+//; s/-+$//'
