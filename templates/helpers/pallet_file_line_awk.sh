# pallet_file_line_awk is|edit|write ACTION LINE MATCH reads a text file
# on stdin for pallet_file_line: "is" exits 0 when it is as ACTION wants,
# "edit" prints it as it should be, and "write" does as edit, then exits 0
# when what it printed is as "is" wants it, 98 when not.
pallet_file_line_awk() {
  PALLET_LINE=$3 PALLET_MATCH=$4 awk -v op="$1" -v action="$2" '
    BEGIN { line = ENVIRON["PALLET_LINE"]; re = ENVIRON["PALLET_MATCH"]; first = 0; has = 0 }
    {
      text[NR] = $0
      if ($0 == line) has = 1
      if (re != "" && !first && $0 ~ re) first = NR
    }
    function hit(s) { return re != "" ? s ~ re : s == line }
    END {
      if (op == "is") {
        if (action == "present") exit (first ? text[first] != line : !has)
        for (i = 1; i <= NR; i++) if (hit(text[i])) exit 1
        exit 0
      }
      n = 0
      for (i = 1; i <= NR; i++) {
        if (action == "present") out[++n] = (i == first ? line : text[i])
        else if (!hit(text[i])) out[++n] = text[i]
      }
      if (action == "present" && !first && !has) out[++n] = line
      for (i = 1; i <= n; i++) print out[i]
      if (op != "write") exit 0
      # what was printed, read as "is" reads it
      first = 0; has = 0
      for (i = 1; i <= n; i++) {
        if (out[i] == line) has = 1
        if (re != "" && !first && out[i] ~ re) first = i
      }
      if (action == "present") exit (first ? out[first] != line : !has) ? 98 : 0
      for (i = 1; i <= n; i++) if (hit(out[i])) exit 98
      exit 0
    }
  '
}
