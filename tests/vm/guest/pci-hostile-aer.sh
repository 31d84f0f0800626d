# SPDX-License-Identifier: GPL-2.0
# Guest side of the hostile AER stages of tests/vm/pci-nic.sh (busybox sh
# in a PV domU started with --no-load xen-pcifront): the hostile frontend
# answers the backend's AER requests as told, one answer per request.
#   pci-hostile-aer.sh -1          announce no AER handler at all
#   pci-hostile-aer.sh ANSWER...   for each ANSWER (0: never answer),
#                                  print "ready ANSWER", wait for the
#                                  next request, print "seen N"
# Then it waits to be destroyed.
P=/sys/module/xsplit_test_pci_hostile/parameters/aer_answer

insmod /xsplit-guest/xsplit-test-pci-hostile.ko cases=0 aer_answer=$1 ||
	{ echo "hostile: insmod failed"; exit 1; }
n=0
while ! dmesg | grep -q 'xsplit-hostile: connected' && [ $n -lt 600 ]; do
	sleep 0.1
	n=$((n + 1))
done
dmesg | grep -q 'xsplit-hostile: connected' || { echo "hostile: not connected"; exit 1; }

if [ "$1" -lt 0 ]; then
	echo "ready none"
else
	k=0
	for a in "$@"; do
		echo "$a" >$P
		echo "ready $a"
		k=$((k + 1))
		n=0
		while ! dmesg | grep -q "xsplit-hostile: aer request $k " && [ $n -lt 1200 ]; do
			sleep 0.1
			n=$((n + 1))
		done
		dmesg | grep -o "xsplit-hostile: aer request $k .*"
		echo "seen $k"
	done
fi
# dom0 destroys us when it is done.
sleep 300
