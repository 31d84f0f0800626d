#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/domu, the dom0 helper every guest test uses: output, arguments and
# exit status come back; files and binaries (with their libraries) go in;
# background guests can be waited for; and a guest that hangs, crashes or
# cannot be created ends in bounded time with a clear status.

. /xsplit/tests/lib/vm.sh

# One guest for arguments, exit status, files and binaries.
head -c 300000 /dev/urandom >/tmp/blob
cat >/tmp/args.sh <<'G'
echo "argc $#"
for a in "$@"; do echo "arg <$a>"; done
sha256sum /xsplit-guest/blob /data/blob2 | cut -d' ' -f1
/usr/bin/xz --version | head -n 1
exit 7
G
out=$($DOMU --file /tmp/blob --file /tmp/blob:/data/blob2 --bin xz \
	/tmp/args.sh one "two words" "")
rc=$?
check_eq "guest script's exit status comes back" 7 "$rc"
check_eq "arguments arrive intact" "argc 3
arg <one>
arg <two words>
arg <>" "$(head -n 4 <<<"$out")"
sum=$(sha256sum </tmp/blob | cut -d' ' -f1)
check_eq "--file copies files in, byte for byte" "$sum
$sum" "$(sed -n 5,6p <<<"$out")"
check_eq "--bin brings a dynamic binary with its libraries" "$(xz --version | head -n 1)" "$(sed -n 7p <<<"$out")"

cat >/tmp/bg.sh <<'G'
echo READY
sleep 3
echo done
G
name=$($DOMU --bg /tmp/bg.sh)
check "--bg starts the guest and returns" sh -c "xl domid $name >/dev/null"
check "--expect sees a line the guest prints" $DOMU --expect "$name" '^READY'
out=$($DOMU --wait "$name")
check_eq "--wait collects a background guest's output" "READY
done" "$out"
check "the guest is gone afterwards" sh -c "! xl domid $name 2>/dev/null"

printf 'sleep 600\n' >/tmp/hang.sh
start=$(date +%s)
$DOMU --timeout 20 /tmp/hang.sh 2>/tmp/err
rc=$?
check_eq "a guest that never finishes: status 124" 124 "$rc"
check "... within its timeout" test $(( $(date +%s) - start )) -lt 40
check "... with a message naming the console log" grep -q 'did not finish in 20s (console: ' /tmp/err

$DOMU --timeout 60 --cmdline "rdinit=/nonexistent" /tmp/hang.sh 2>/tmp/err
check_eq "a guest that crashes while booting: status 125" 125 "$?"
check "... with a message" grep -q 'died before its script ended' /tmp/err

$DOMU --mem 100000 /tmp/hang.sh 2>/tmp/err
check_eq "a guest xl cannot create: status 125" 125 "$?"
check "... with xl's reason" grep -q 'xl create .* failed' /tmp/err
check_eq "no guest is left behind" 1 "$(xl list | tail -n +2 | wc -l)"

finish
