// SPDX-License-Identifier: GPL-2.0
/*
 * xsplit-test-net-hostile: a test-only network frontend for a PV guest
 * that talks to the network backend the way a malicious guest would. It
 * binds the xenbus "vif" devices itself (the guest must not load
 * xen-netfront), shares a transmit and a receive ring and one event
 * channel per vif (two queues of them on one vif, and on two vifs a
 * control ring with a channel of its own), and writes the rings by
 * hand: valid packets, packets the backend must refuse for each of its
 * reasons, grants it cannot use, extras it does not know, receive
 * buffers it cannot fill, control requests it must refuse, event storms,
 * and ring indices no backend can believe.
 * Every answer is checked against what xsplit-netback must give.
 *
 * Each vif has a role, by its handle (the vif's place in the xl config):
 *   0 victim     gets most cases, and last a req_prod 1000 slots ahead,
 *                after which it must get no answer at all;
 *   1 bystander  passes valid packets and receives the victim's frame
 *                before, and passes valid packets after the victim is
 *                gone: one guest's broken vif leaves its others alone;
 *   2 budget     refusals past the backend's budget (bad_limit= below)
 *                in one burst: the backend must disable this vif;
 *   3 chain      a slot chain of 64 slots: the backend must disable it;
 *   4 racer      slots rewritten while the backend reads them (it must
 *                judge one copy of each), then a receive ring req_prod
 *                1000 slots ahead: the backend must disable it;
 *   5 ctrl       has a control ring: requests the backend must answer
 *                (hash algorithm, types, key, mapping table) and refuse
 *                with the status netif.h gives, a bad grant, a storm of
 *                empty notifications, then a control ring req_prod 1000
 *                ahead: the backend must disable it;
 *   6 mcast      writes request-multicast-control=1 and amends its
 *                multicast list with netif.h's dummy requests (and once
 *                on a frame): adds the backend must carry out, a repeat,
 *                a unicast and the broadcast address, a del of what is
 *                not there, a 65th group, each answered okay or error;
 *                and receives what dom0 sends it (below) with the filter
 *                on, turned off at run time and on again. It stays up;
 *   7 hash       has two queues and a control ring: sets Toeplitz hashing
 *                up, receives a list of frames dom0 sends it (below) on
 *                the queues the hashes name, each with the hash in an
 *                extra, then turns hashing off and receives the list again
 *                with no extra. It stays up.
 * The victim's and the racer's refusals stay below 64 each in all, so
 * that the budget never decides their fate: the burst gets a vif of its
 * own, as do the chain and the receive ring's index, each of which ends
 * its vif.
 *
 * The mcast vif's filter is proved with dom0's help: for each round the
 * module writes the round's number to data/xsplit-net-hostile-mcast in
 * the guest's xenstore directory; tests/vm/net-hostile.sh then waits
 * until the backend's debugfs shows the filter as the round needs it and
 * writes three frames straight onto the vif: A to a group the vif
 * listed, B to one it did not, and C, broadcast, last. The module reads
 * its receive ring until C of that round comes: A and C must be there,
 * and B only while the filter is off.
 *
 * The hash vif's rounds go the same way, through
 * data/xsplit-net-hostile-hash: dom0 writes a fixed list of frames (IPv4
 * and IPv6, TCP and UDP, IPv4 fragments, not IP; nh_hash_frames[]), each
 * 96 bytes ending in a tag with the round and its index, then an end
 * frame. The module builds each frame itself to compare every byte, and
 * computes each hash with netif.h's xen_netif_toeplitz_hash(), none of
 * the backend's code. The backend chooses the queues, so the end frame
 * may overtake frames on the other queue: they get a grace.
 *
 * Each case prints "xsplit-net-hostile: case <name> ok" or
 * "xsplit-net-hostile: case <name> FAIL expected <x> got <y>"; "plan <n>"
 * comes first and "done <tried> tried <passed> passed" last, for
 * tests/vm/net-hostile.sh to read. Before "done" come the counters the
 * backend must show for each vif in ethtool -S afterwards, one
 * "expect vif<handle> <counter> <min> <max>" line each ("-" for no
 * maximum), as the cases sent them.
 *
 * With hold=<seconds>, the module then waits until dom0 writes the key
 * data/xsplit-net-hostile in the guest's xenstore directory (or the time
 * is up) and prints "released": the vifs, and their counters in dom0,
 * last until dom0 has read them.
 *
 * The frames are Ethernet broadcasts with the local experimental
 * ethertype 0x88b5 (nobody on the bridge takes them), but for one TCP/IPv4
 * frame sent with GSO to a MAC address nobody has.
 */
#define pr_fmt(fmt) "xsplit-net-hostile: " fmt

#include <linux/build_bug.h>
#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/interrupt.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <xen/events.h>
#include <xen/grant_table.h>
/* The hash vif checks the backend's hashes with netif.h's own code. */
#define XEN_NETIF_DEFINE_TOEPLITZ
#include <xen/interface/io/netif.h>
#include <xen/page.h>
#include <xen/xen.h>
#include <xen/xenbus.h>

/* Far above a normal answer under emulation. */
#define NH_TIMEOUT_MS		5000
/* How long silence must last to count as "no answer". */
#define NH_SILENCE_MS		3000
/* The same on a vif that already let a packet go unanswered. */
#define NH_TIMEOUT_DEAD_MS	300
/* How long a packet's first slot alone is left waiting for the rest. */
#define NH_INCOMPLETE_MS	1000
/* Vifs that do not connect within this are reported, not waited for. */
#define NH_CONNECT_WAIT_MS	60000
/* Bounds the storm even if every event is slow to send. */
#define NH_FLOOD_MAX_MS		15000

#define NH_TX_RING_SIZE		__CONST_RING_SIZE(xen_netif_tx, XEN_PAGE_SIZE)
#define NH_RX_RING_SIZE		__CONST_RING_SIZE(xen_netif_rx, XEN_PAGE_SIZE)
#define NH_CTRL_RING_SIZE	__CONST_RING_SIZE(xen_netif_ctrl, XEN_PAGE_SIZE)
/* Pages a vif's packets are built in, granted read-only once. */
#define NH_POOL_PAGES		24
/*
 * Receive buffers a vif posts, each a page of its own granted writable;
 * a vif with several queues shares them out among its queues.
 */
#define NH_RX_BUFS		32
/* Queues a vif may have: only the hash vif has more than one. */
#define NH_MAX_QUEUES		2
#define NH_HASH_QUEUES		2
/* The longest slot chain we write: the backend's fatal length. */
#define NH_MAX_SLOTS		64
#define NH_MAX_FRAME		3000
#define NH_MAX_DATA		18	/* XEN_NETIF_NR_SLOTS_MIN */
#define NH_MTU_FRAME		1518	/* 1500 + Ethernet and VLAN headers */
#define NH_SMALL		60	/* an Ethernet frame padded to the minimum */
#define NH_ETHERTYPE		0x88b5
/* Receive buffers the victim posts with a grant nobody made. */
#define NH_RX_BAD_BUFS		4
/* And with a grant the backend may only read: on this pool page. */
#define NH_RX_RO_BUFS		2
#define NH_RX_RO_PAGE		(NH_POOL_PAGES - 1)
#define NH_RX_RO_FILL		0xa5
/* Three races of race_rounds refusals at most stay below 64. */
#define NH_RACE_MAX_ROUNDS	21
/* The ctrl vif's pool pages that hold a hash key and a mapping table. */
#define NH_CTRL_KEY_PAGE	1
#define NH_CTRL_MAP_PAGE	2
/* The longest hash key the backend takes, and its mapping table. */
#define NH_CTRL_KEY_MAX		40
#define NH_CTRL_MAPPING_MAX	128
/* Empty notifications sent on the control ring's channel. */
#define NH_CTRL_BURST		1000
/* What the backend answers GET_HASH_FLAGS with: all four types. */
#define NH_CTRL_HASH_TYPES	(XEN_NETIF_CTRL_HASH_TYPE_IPV4 |	\
				 XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP |	\
				 XEN_NETIF_CTRL_HASH_TYPE_IPV6 |	\
				 XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)

/* A grant reference no guest's table is that large. */
#define NH_GREF_UNUSED		0x7fffffffU
/* A domain that is neither the backend nor anyone else here. */
#define NH_OTHER_DOMID		(DOMID_FIRST_RESERVED - 1)
/* Written by dom0 under data/ when it has read the counters (hold=). */
#define NH_RELEASE_KEY		"xsplit-net-hostile"

static_assert(NH_TX_RING_SIZE == 256);
static_assert(NH_HASH_QUEUES <= NH_MAX_QUEUES);
static_assert(NH_RX_RING_SIZE == 256);
static_assert(NH_MAX_DATA == XEN_NETIF_NR_SLOTS_MIN);
/* An extra is written over the first eight bytes of a transmit slot. */
static_assert(sizeof(struct xen_netif_extra_info) == 8);
static_assert(sizeof(struct xen_netif_tx_request) == 12);
static_assert(NH_CTRL_RING_SIZE == 128);
static_assert(sizeof(struct xen_netif_ctrl_request) == 16);
static_assert(sizeof(struct xen_netif_ctrl_response) == 12);

static uint bad_limit = 64;
module_param(bad_limit, uint, 0444);
MODULE_PARM_DESC(bad_limit, "The backend's bad_limit: refusals per second it lets a vif send (default 64)");

static uint hold;
module_param(hold, uint, 0444);
MODULE_PARM_DESC(hold, "Seconds to keep the vifs after the run until dom0 writes data/" NH_RELEASE_KEY " (default 0: none)");

static uint race_rounds = 20;
module_param(race_rounds, uint, 0444);
MODULE_PARM_DESC(race_rounds, "Packets per race case, at most 21: each may be refused (default 20)");

static uint flood_kicks = 100000;
module_param(flood_kicks, uint, 0444);
MODULE_PARM_DESC(flood_kicks, "Events sent with nothing on the rings in the storm case (default 100000)");

enum nh_role {
	NH_VICTIM,
	NH_BYSTANDER,
	NH_BUDGET,
	NH_CHAIN,
	NH_RACER,
	NH_CTRL,
	NH_MCAST,
	NH_HASH,
	NH_NR_ROLES,
	NH_ANY = NH_NR_ROLES,	/* a case about no vif in particular */
};

static const char *const nh_role_names[NH_NR_ROLES] = {
	"victim", "bystander", "budget", "chain", "racer", "ctrl", "mcast",
	"hash",
};

/* The backend's counters the cases predict, by their ethtool -S names. */
enum nh_ctr {
	C_FROM_GUEST_PACKETS,
	C_FROM_GUEST_GSO,
	C_FROM_GUEST_CSUM_BLANK,
	C_DROP_BAD_OFFSET,
	C_DROP_TOO_MANY_SLOTS,
	C_DROP_HDR_SPLIT,
	C_DROP_ZERO_LEN,
	C_DROP_RUNT,
	C_DROP_OVERSIZE,
	C_DROP_BAD_SIZE,
	C_DROP_BAD_EXTRA,
	C_DROP_BAD_GSO,
	C_DROP_FATAL,
	C_DROP_BAD_GREF,
	C_DROP_BAD_CSUM,
	C_DROP_NO_MEM,
	C_TO_GUEST_PACKETS,
	C_TO_GUEST_DROP_BAD_GREF,
	C_SPURIOUS_EVENTS,
	C_CTRL_REQUESTS,
	C_CTRL_REFUSED,
	C_CTRL_EVENTS,
	C_TO_GUEST_DROP_MCAST,
	C_MCAST_ADD,
	C_MCAST_DEL,
	C_MCAST_REFUSED,
	C_NR
};

static const char *const nh_ctr_names[C_NR] = {
	[C_FROM_GUEST_PACKETS] = "from_guest_packets",
	[C_FROM_GUEST_GSO] = "from_guest_gso",
	[C_FROM_GUEST_CSUM_BLANK] = "from_guest_csum_blank",
	[C_DROP_BAD_OFFSET] = "drop_bad_offset",
	[C_DROP_TOO_MANY_SLOTS] = "drop_too_many_slots",
	[C_DROP_HDR_SPLIT] = "drop_hdr_split",
	[C_DROP_ZERO_LEN] = "drop_zero_len",
	[C_DROP_RUNT] = "drop_runt",
	[C_DROP_OVERSIZE] = "drop_oversize",
	[C_DROP_BAD_SIZE] = "drop_bad_size",
	[C_DROP_BAD_EXTRA] = "drop_bad_extra",
	[C_DROP_BAD_GSO] = "drop_bad_gso",
	[C_DROP_FATAL] = "drop_fatal",
	[C_DROP_BAD_GREF] = "drop_bad_gref",
	[C_DROP_BAD_CSUM] = "drop_bad_csum",
	[C_DROP_NO_MEM] = "drop_no_mem",
	[C_TO_GUEST_PACKETS] = "to_guest_packets",
	[C_TO_GUEST_DROP_BAD_GREF] = "to_guest_drop_bad_gref",
	[C_SPURIOUS_EVENTS] = "spurious_events",
	[C_CTRL_REQUESTS] = "ctrl_requests",
	[C_CTRL_REFUSED] = "ctrl_refused",
	[C_CTRL_EVENTS] = "ctrl_events",
	[C_TO_GUEST_DROP_MCAST] = "to_guest_drop_mcast",
	[C_MCAST_ADD] = "mcast_add",
	[C_MCAST_DEL] = "mcast_del",
	[C_MCAST_REFUSED] = "mcast_refused",
};

/*
 * A packet taken off a receive ring answer by answer, on the hash vif:
 * what its answers and extras said, judged once it is whole.
 */
struct nh_rx_pkt {
	bool open;			/* its first answer is in, not its last */
	bool more_data;			/* its last data answer said so */
	int frame;			/* which frame of the list, or -1 */
	bool intact;			/* byte for byte as dom0 sent it */
	bool unknown;			/* tagged as the list's, but not in it */
	/* The first answer with an error, a wrong id or offset, or flag. */
	bool bad;
	struct xen_netif_rx_response bad_rsp;
	u16 bad_buf;
	unsigned int nr_hash;		/* hash extras */
	struct xen_netif_extra_info hash;	/* the first */
	unsigned int nr_other;		/* any other extras */
	u8 other_type;			/* the first's */
};

/*
 * One queue: a transmit and a receive ring and their event channel.
 * Packets are only ever sent on a vif's first queue; the others exist to
 * receive on.
 */
struct nh_queue {
	struct nh_vif *vif;
	unsigned int id;

	struct xen_netif_tx_sring *tx_sring;
	struct xen_netif_rx_sring *rx_sring;
	grant_ref_t tx_ref, rx_ref;
	evtchn_port_t evtchn;
	bool have_evtchn;
	int irq;

	RING_IDX tx_prod_pvt, tx_rsp_cons;
	RING_IDX rx_prod_pvt, rx_rsp_cons;
	/* Which buffer each receive slot's request named: see nh_rx_take(). */
	u16 rx_buf_at[NH_RX_RING_SIZE];
	bool rx_extra_next;		/* the next receive slot is an extra */
	bool rx_posted;			/* its good buffers are on the ring */
	bool rx_in_frame;		/* the last data answer said more_data */
	struct nh_rx_pkt rx_pkt;
};

struct nh_vif {
	struct xenbus_device *xdev;
	unsigned int handle;
	u8 mac[ETH_ALEN];
	bool gave_up;			/* the backend closed before connecting */
	bool connected;			/* store-release after the setup */

	/*
	 * Set up at probe: nr_rings; written to xenstore: nr_queues, as many
	 * as the backend's multi-queue-max-queues (mq_offered) allows.
	 */
	struct nh_queue queue[NH_MAX_QUEUES];
	unsigned int nr_rings;
	unsigned int nr_queues;
	unsigned int mq_offered;
	/* Woken by every channel of the vif's, control ring's included. */
	wait_queue_head_t wq;

	u16 next_id;
	/*
	 * A packet it sent got no answer at all: later ones are waited for
	 * briefly, so that a backend that stopped serving a vif fails the
	 * run in seconds rather than in minutes.
	 */
	bool unresponsive;

	struct page *pool[NH_POOL_PAGES];
	grant_ref_t pool_ref[NH_POOL_PAGES];
	bool pool_granted[NH_POOL_PAGES];
	struct page *rx_page[NH_RX_BUFS];
	grant_ref_t rx_ref_of[NH_RX_BUFS];
	bool rx_granted[NH_RX_BUFS];

	/*
	 * The control ring, on the ctrl and hash vifs, with a channel of its own
	 * (woken into wq like the other): set up at probe, published only
	 * if the backend offers feature-ctrl-ring.
	 */
	struct xen_netif_ctrl_sring *ctrl_sring;
	grant_ref_t ctrl_ref;
	evtchn_port_t ctrl_evtchn;
	bool have_ctrl_evtchn;
	int ctrl_irq;
	unsigned int ctrl_offered;	/* the backend's feature-ctrl-ring */
	bool ctrl_published;		/* our keys are in xenstore */
	RING_IDX ctrl_prod_pvt, ctrl_rsp_cons;
	u16 ctrl_next_id;
	bool ctrl_unresponsive;		/* like unresponsive, on this ring */

	/*
	 * Multicast control, on the mcast vif only: what the backend
	 * offers, whether our request-multicast-control=1 is in xenstore,
	 * and what its receive ring brought in the filter's rounds.
	 */
	unsigned int mcast_offered;	/* feature-multicast-control */
	unsigned int mcast_dynamic;	/* feature-dynamic-multicast-control */
	bool mcast_requested;
	u64 rx_frames;			/* packets received whole */
	u64 mcast_dropped;		/* frames the filter must have dropped */

	/* What the backend's counters must read for this vif afterwards. */
	u64 exp_min[C_NR], exp_max[C_NR];
	bool exp_open[C_NR];		/* no maximum */
};

/* One packet as it goes on the transmit ring, and what came back. */
struct nh_pkt {
	unsigned int n;			/* slots */
	unsigned int ndata;		/* of which data slots */
	unsigned int nextra;		/* and extras */
	unsigned int page_base;		/* pool pages from here on */
	u32 at;				/* frame bytes placed so far */
	bool build_failed;
	bool undeliverable;		/* answered okay, dropped after */
	bool dummy;			/* netif.h's dummy request: no data */
	s16 want;			/* for every data slot */
	struct xen_netif_tx_request req[NH_MAX_SLOTS];
	bool is_extra[NH_MAX_SLOTS];
	bool answered[NH_MAX_SLOTS];
	s16 status[NH_MAX_SLOTS];
};

/* What a case wanted and what it got, for its FAIL line. */
struct nh_out {
	char want[160];
	char got[320];
};

/* What came back for a push, besides each data slot's own answer. */
struct nh_tally {
	unsigned int nulls;
	unsigned int unknown;		/* answers naming no slot we sent */
	u16 unknown_id;
	s16 unknown_status;
	bool excess;			/* more answers than requests */
};

static struct {
	struct mutex lock;		/* vifs[] */
	struct nh_vif *vifs[NH_NR_ROLES];
	bool stopping;
	unsigned int tried;
	unsigned int passed;
	u32 seq;			/* makes each frame's payload unique */
	u8 frame[NH_MAX_FRAME];
	/* Built here, not on the stack: they are large. */
	struct nh_pkt pkt[3];
	struct nh_out out;
	bool seen[NH_TX_RING_SIZE];
} nh;

static struct work_struct nh_run_work;

static bool nh_stopped(void)
{
	return READ_ONCE(nh.stopping);
}

static __printf(3, 4) void nh_cat(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strnlen(buf, size);
	va_list args;

	if (len + 1 >= size)
		return;
	va_start(args, fmt);
	vscnprintf(buf + len, size - len, fmt, args);
	va_end(args);
}

#define nh_want(o, ...)	nh_cat((o)->want, sizeof((o)->want), __VA_ARGS__)
#define nh_got(o, ...)	nh_cat((o)->got, sizeof((o)->got), __VA_ARGS__)

/* ---- counters the backend must show ---- */

static void nh_count(struct nh_vif *v, enum nh_ctr c, u64 n)
{
	v->exp_min[c] += n;
	v->exp_max[c] += n;
}

static void nh_count_range(struct nh_vif *v, enum nh_ctr c, u64 min, u64 max)
{
	v->exp_min[c] += min;
	v->exp_max[c] += max;
}

static void nh_count_open(struct nh_vif *v, enum nh_ctr c, u64 min)
{
	v->exp_min[c] = max(v->exp_min[c], min);
	v->exp_open[c] = true;
}

static void nh_print_expect(struct nh_vif *v)
{
	unsigned int c;

	for (c = 0; c < C_NR; c++) {
		if (v->exp_open[c])
			pr_info("expect vif%u %s %llu -\n", v->handle,
				nh_ctr_names[c], v->exp_min[c]);
		else
			pr_info("expect vif%u %s %llu %llu\n", v->handle,
				nh_ctr_names[c], v->exp_min[c], v->exp_max[c]);
	}
}

/* ---- frames and packets ---- */

static u8 nh_pattern(u32 seq, unsigned int i)
{
	return (u8)(i * 31 + seq);
}

/*
 * nh.frame: a broadcast of @len bytes from @v with our ethertype and a
 * payload no other frame has. Shorter than a header: the pattern only.
 */
static u32 nh_frame(struct nh_vif *v, unsigned int len)
{
	struct ethhdr *eth = (struct ethhdr *)nh.frame;
	u32 seq = ++nh.seq;
	unsigned int i;

	for (i = 0; i < len && i < NH_MAX_FRAME; i++)
		nh.frame[i] = nh_pattern(seq, i);
	if (len < ETH_HLEN + 8)
		return seq;
	eth_broadcast_addr(eth->h_dest);
	ether_addr_copy(eth->h_source, v->mac);
	eth->h_proto = htons(NH_ETHERTYPE);
	/* The payload starts with who sent it and its number. */
	nh.frame[ETH_HLEN] = 'X';
	nh.frame[ETH_HLEN + 1] = 'N';
	nh.frame[ETH_HLEN + 2] = 'H';
	nh.frame[ETH_HLEN + 3] = (u8)v->handle;
	memcpy(&nh.frame[ETH_HLEN + 4], &seq, sizeof(seq));
	return seq;
}

/*
 * nh.frame: a TCP segment over IPv4 of @len bytes, to a MAC address
 * nobody has, its checksum left to whoever segments it (csum_blank): the
 * TCP checksum field holds the pseudo-header's sum, as netfront sends it.
 */
static void nh_tcp_frame(struct nh_vif *v, unsigned int len)
{
	static const u8 nobody[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x5a, 0x0e, 0x01 };
	struct ethhdr *eth = (struct ethhdr *)nh.frame;
	struct iphdr *iph = (struct iphdr *)(nh.frame + ETH_HLEN);
	struct tcphdr *th = (struct tcphdr *)(nh.frame + ETH_HLEN + sizeof(*iph));
	unsigned int ip_len = len - ETH_HLEN;
	unsigned int tcp_len = ip_len - sizeof(*iph);

	nh_frame(v, len);
	ether_addr_copy(eth->h_dest, nobody);
	eth->h_proto = htons(ETH_P_IP);
	memset(iph, 0, sizeof(*iph) + sizeof(*th));
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tot_len = htons(ip_len);
	iph->id = htons(1);
	iph->frag_off = htons(IP_DF);
	iph->ttl = 64;
	iph->protocol = IPPROTO_TCP;
	/* TEST-NET-1 addresses nobody on the bridge has. */
	iph->saddr = htonl(0xc00002c8);		/* 192.0.2.200 */
	iph->daddr = htonl(0xc00002c9);		/* 192.0.2.201 */
	iph->check = ip_fast_csum(iph, iph->ihl);
	th->source = htons(40000);
	th->dest = htons(9);
	th->seq = htonl(1);
	th->doff = sizeof(*th) / 4;
	th->ack = 1;
	th->psh = 1;
	th->window = htons(8192);
	th->check = ~csum_tcpudp_magic(iph->saddr, iph->daddr, tcp_len,
				       IPPROTO_TCP, 0);
}

static void nh_pkt_start(struct nh_pkt *p, unsigned int page_base)
{
	memset(p, 0, sizeof(*p));
	p->page_base = page_base;
	p->want = XEN_NETIF_RSP_OKAY;
}

static struct xen_netif_tx_request *nh_slot_add(struct nh_pkt *p, bool extra)
{
	struct xen_netif_tx_request *r;

	if (p->n == NH_MAX_SLOTS) {
		p->build_failed = true;
		return NULL;
	}
	r = &p->req[p->n];
	memset(r, 0, sizeof(*r));
	p->is_extra[p->n++] = extra;
	return r;
}

/*
 * The next data slot: @len bytes of nh.frame, from where the previous
 * slot stopped, at @off in the next pool page. Only what lies inside the
 * page is written there: finding a bad offset is the backend's job.
 */
static void nh_data(struct nh_vif *v, struct nh_pkt *p, u16 off, u16 len)
{
	unsigned int pg = (p->page_base + p->ndata) % NH_POOL_PAGES;
	struct xen_netif_tx_request *r = nh_slot_add(p, false);
	u32 n;

	if (!r)
		return;
	if (!v->pool_granted[pg])
		p->build_failed = true;
	r->gref = v->pool_ref[pg];
	r->offset = off;
	r->size = len;
	p->ndata++;
	n = off < XEN_PAGE_SIZE ? min_t(u32, len, XEN_PAGE_SIZE - off) : 0;
	if (p->at + n <= NH_MAX_FRAME)
		memcpy((u8 *)page_address(v->pool[pg]) + off, nh.frame + p->at, n);
	p->at += len;
}

/* An extra after the first data slot; the MORE flags are nh_seal()'s. */
static void nh_extra(struct nh_pkt *p, const struct xen_netif_extra_info *ex)
{
	struct xen_netif_tx_request *r = nh_slot_add(p, true);

	if (!r)
		return;
	memcpy(r, ex, sizeof(*ex));
	p->nextra++;
}

static struct xen_netif_extra_info *nh_extra_at(struct nh_pkt *p, unsigned int i)
{
	return (struct xen_netif_extra_info *)&p->req[i];
}

/*
 * Flags and the first slot's size as a frontend writes them: the first
 * slot holds the packet's length, extra_info if extras follow, every
 * extra but the last MORE, every data slot but the last more_data.
 */
static void nh_seal(struct nh_pkt *p)
{
	unsigned int i, last_data = 0, last_extra = 0;
	u32 total = 0;

	for (i = 0; i < p->n; i++) {
		if (p->is_extra[i]) {
			last_extra = i;
			continue;
		}
		total += p->req[i].size;
		last_data = i;
	}
	if (!p->n || p->is_extra[0]) {
		p->build_failed = true;
		return;
	}
	p->req[0].size = (u16)total;
	if (p->nextra)
		p->req[0].flags |= XEN_NETTXF_extra_info;
	for (i = 0; i < p->n; i++) {
		if (p->is_extra[i] && i != last_extra)
			nh_extra_at(p, i)->flags |= XEN_NETIF_EXTRA_FLAG_MORE;
		if (!p->is_extra[i] && i != last_data)
			p->req[i].flags |= XEN_NETTXF_more_data;
	}
}

/* A sealed one-slot frame of @len bytes. */
static void nh_small(struct nh_vif *v, struct nh_pkt *p, unsigned int base,
		     u16 len)
{
	nh_pkt_start(p, base);
	nh_frame(v, len);
	nh_data(v, p, 0, len);
	nh_seal(p);
}

/* ---- the transmit ring ---- */

static unsigned int nh_tx_outstanding(const struct nh_vif *v)
{
	return v->queue[0].tx_prod_pvt - v->queue[0].tx_rsp_cons;
}

/* Slots [@from, @to) of @p into the ring, not yet visible; ids are ours. */
static void nh_tx_post(struct nh_vif *v, struct nh_pkt *p, unsigned int from,
		       unsigned int to)
{
	struct nh_queue *q = &v->queue[0];
	unsigned int i;

	for (i = from; i < to; i++) {
		struct xen_netif_tx_request *r;

		if (!p->is_extra[i])
			p->req[i].id = v->next_id++;
		r = &q->tx_sring->ring[q->tx_prod_pvt & (NH_TX_RING_SIZE - 1)].req;
		memcpy(r, &p->req[i], sizeof(*r));
		q->tx_prod_pvt++;
	}
}

static void nh_tx_push(struct nh_vif *v)
{
	struct nh_queue *q = &v->queue[0];

	/* The slots before the index that hands them over. */
	virt_wmb();
	WRITE_ONCE(q->tx_sring->req_prod, q->tx_prod_pvt);
	virt_mb();
	notify_remote_via_irq(q->irq);
}

/* Wait until @n answers are there or @ms pass; how many are there. */
static unsigned int nh_tx_wait(struct nh_vif *v, unsigned int n,
			       unsigned int ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(ms);
	struct nh_queue *q = &v->queue[0];
	RING_IDX prod;

	for (;;) {
		prod = READ_ONCE(q->tx_sring->rsp_prod);
		if (prod - q->tx_rsp_cons >= n || time_after(jiffies, deadline) ||
		    nh_stopped())
			return prod - q->tx_rsp_cons;
		/* Ask for an event at the next answer, then look again. */
		WRITE_ONCE(q->tx_sring->rsp_event, prod + 1);
		virt_mb();
		if (READ_ONCE(q->tx_sring->rsp_prod) != prod)
			continue;
		wait_event_timeout(v->wq, READ_ONCE(q->tx_sring->rsp_prod) != prod,
				   msecs_to_jiffies(10));
	}
}

static bool nh_tx_take(struct nh_vif *v, struct xen_netif_tx_response *rsp,
		       bool *excess)
{
	struct nh_queue *q = &v->queue[0];
	RING_IDX prod = READ_ONCE(q->tx_sring->rsp_prod);

	if (prod == q->tx_rsp_cons)
		return false;
	/* The answer after the index that announced it. */
	virt_rmb();
	if (prod - q->tx_rsp_cons > nh_tx_outstanding(v))
		*excess = true;
	memcpy(rsp, &q->tx_sring->ring[q->tx_rsp_cons & (NH_TX_RING_SIZE - 1)].rsp,
	       sizeof(*rsp));
	q->tx_rsp_cons++;
	return true;
}

/* Throw away answers to packets whose case gave up on them. */
static void nh_tx_drain(struct nh_vif *v)
{
	struct xen_netif_tx_response rsp;
	unsigned int n = 0;
	bool excess = false;

	while (nh_tx_take(v, &rsp, &excess))
		n++;
	if (n)
		pr_info("vif%u: %u late answer(s) dropped\n", v->handle, n);
}

/* Give each answer to the data slot whose id it names. */
static void nh_tx_collect(struct nh_vif *v, struct nh_pkt **pkts,
			  unsigned int np, struct nh_tally *t)
{
	struct xen_netif_tx_response rsp;

	while (nh_tx_take(v, &rsp, &t->excess)) {
		unsigned int k, i;
		bool found = false;

		/* An extra's answer carries no id of ours. */
		if (rsp.status == XEN_NETIF_RSP_NULL) {
			t->nulls++;
			continue;
		}
		for (k = 0; k < np && !found; k++) {
			struct nh_pkt *p = pkts[k];

			for (i = 0; i < p->n && !found; i++) {
				if (p->is_extra[i] || p->answered[i] ||
				    p->req[i].id != rsp.id)
					continue;
				p->answered[i] = true;
				p->status[i] = rsp.status;
				found = true;
			}
		}
		if (!found && !t->unknown++) {
			t->unknown_id = rsp.id;
			t->unknown_status = rsp.status;
		}
	}
}

static const char *nh_status_name(s16 status)
{
	switch (status) {
	case XEN_NETIF_RSP_OKAY:
		return "okay";
	case XEN_NETIF_RSP_ERROR:
		return "error";
	case XEN_NETIF_RSP_DROPPED:
		return "dropped";
	case XEN_NETIF_RSP_NULL:
		return "null";
	default:
		return "other";
	}
}

/* Judge one packet's data slots; describe them into @o either way. */
static bool nh_judge(const struct nh_pkt *p, struct nh_out *o, bool first)
{
	unsigned int i, okay = 0, error = 0, other = 0, missing = 0;
	bool ok = true;

	for (i = 0; i < p->n; i++) {
		if (p->is_extra[i])
			continue;
		if (!p->answered[i])
			missing++;
		else if (p->status[i] == XEN_NETIF_RSP_OKAY)
			okay++;
		else if (p->status[i] == XEN_NETIF_RSP_ERROR)
			error++;
		else
			other++;
		if (!p->answered[i] || p->status[i] != p->want)
			ok = false;
	}
	nh_want(o, "%s%s-%u", first ? "" : "|", nh_status_name(p->want),
		p->ndata);
	nh_got(o, "%s", first ? "" : "|");
	if (okay)
		nh_got(o, "okay-%u,", okay);
	if (error)
		nh_got(o, "error-%u,", error);
	if (other)
		nh_got(o, "other-%u,", other);
	if (missing)
		nh_got(o, "missing-%u,", missing);
	return ok;
}

/* Wait for the answers to @np packets just pushed and judge them all. */
static bool nh_tx_finish(struct nh_vif *v, struct nh_pkt **pkts,
			 unsigned int np, unsigned int slots, struct nh_out *o)
{
	struct nh_tally t = { 0 };
	unsigned int k, extras = 0, got;
	bool ok = true;

	got = nh_tx_wait(v, slots, v->unresponsive ? NH_TIMEOUT_DEAD_MS :
						     NH_TIMEOUT_MS);
	if (!got && slots && !v->unresponsive)
		pr_info("vif%u: no answer within %u ms\n", v->handle,
			NH_TIMEOUT_MS);
	v->unresponsive = !got && slots;
	nh_tx_collect(v, pkts, np, &t);
	for (k = 0; k < np; k++) {
		ok &= nh_judge(pkts[k], o, !k);
		extras += pkts[k]->nextra;
	}
	nh_want(o, ",null-%u", extras);
	nh_got(o, "null-%u", t.nulls);
	if (t.unknown)
		nh_got(o, ",%u-unknown-answer(s)-first-id-%u-%s", t.unknown,
		       t.unknown_id, nh_status_name(t.unknown_status));
	if (t.excess)
		nh_got(o, ",more-answers-than-requests");
	return ok && t.nulls == extras && !t.unknown && !t.excess;
}

/*
 * Send @np packets in one push and judge their answers. Those to be
 * answered okay are counted as delivered unless they say otherwise.
 */
static bool nh_exchange(struct nh_vif *v, struct nh_pkt **pkts,
			unsigned int np, struct nh_out *o)
{
	unsigned int k, slots = 0;

	nh_tx_drain(v);
	for (k = 0; k < np; k++) {
		slots += pkts[k]->n;
		if (pkts[k]->build_failed) {
			nh_want(o, "a-packet");
			nh_got(o, "packet-%u-could-not-be-built", k);
			return false;
		}
	}
	if (nh_tx_outstanding(v) + slots > NH_TX_RING_SIZE || nh_stopped()) {
		nh_want(o, "room");
		nh_got(o, "no-room-on-the-ring-or-stopping");
		return false;
	}
	for (k = 0; k < np; k++) {
		nh_tx_post(v, pkts[k], 0, pkts[k]->n);
		if (pkts[k]->want == XEN_NETIF_RSP_OKAY &&
		    !pkts[k]->undeliverable && !pkts[k]->dummy)
			nh_count(v, C_FROM_GUEST_PACKETS, 1);
	}
	nh_tx_push(v);
	return nh_tx_finish(v, pkts, np, slots, o);
}

static bool nh_send(struct nh_vif *v, struct nh_pkt *p, struct nh_out *o)
{
	return nh_exchange(v, &p, 1, o);
}

/* A valid frame right after a case: the vif still serves. */
static bool nh_still_serving(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[2];

	nh_want(o, "+then-");
	nh_got(o, "+then-");
	nh_small(v, p, 20, NH_SMALL);
	return nh_send(v, p, o);
}

/* Post a valid frame and see that nothing answers it. */
static bool nh_silent(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[2];
	unsigned int n;

	nh_tx_drain(v);
	nh_small(v, p, 20, NH_SMALL);
	if (p->build_failed || nh_tx_outstanding(v) + p->n > NH_TX_RING_SIZE) {
		nh_want(o, "room");
		nh_got(o, "no-room-on-the-ring");
		return false;
	}
	nh_tx_post(v, p, 0, p->n);
	nh_tx_push(v);
	n = nh_tx_wait(v, 1, NH_SILENCE_MS);
	nh_want(o, "no-answer");
	if (n)
		nh_got(o, "%u-answer(s)", n);
	else
		nh_got(o, "no-answer");
	return !n;
}

/* ---- the receive ring ---- */

static void nh_rx_post(struct nh_queue *q, u16 buf, grant_ref_t gref)
{
	RING_IDX i = q->rx_prod_pvt++;
	struct xen_netif_rx_request *r =
		&q->rx_sring->ring[i & (NH_RX_RING_SIZE - 1)].req;

	r->id = buf;
	r->pad = 0;
	r->gref = gref;
	q->rx_buf_at[i & (NH_RX_RING_SIZE - 1)] = buf;
}

static void nh_rx_push(struct nh_queue *q)
{
	/* The buffers before the index that hands them over. */
	virt_wmb();
	WRITE_ONCE(q->rx_sring->req_prod, q->rx_prod_pvt);
	virt_mb();
	notify_remote_via_irq(q->irq);
}

static unsigned int nh_rx_wait(struct nh_queue *q, unsigned int n,
			       unsigned int ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(ms);
	RING_IDX prod;

	for (;;) {
		prod = READ_ONCE(q->rx_sring->rsp_prod);
		if (prod - q->rx_rsp_cons >= n || time_after(jiffies, deadline) ||
		    nh_stopped())
			return prod - q->rx_rsp_cons;
		WRITE_ONCE(q->rx_sring->rsp_event, prod + 1);
		virt_mb();
		if (READ_ONCE(q->rx_sring->rsp_prod) != prod)
			continue;
		wait_event_timeout(q->vif->wq,
				   READ_ONCE(q->rx_sring->rsp_prod) != prod,
				   msecs_to_jiffies(10));
	}
}

/*
 * The queue's share of the vif's good receive buffers on its ring, once:
 * buffer i belongs to queue i % nr_queues.
 */
static void nh_rx_post_good(struct nh_queue *q)
{
	struct nh_vif *v = q->vif;
	unsigned int i;

	if (q->rx_posted)
		return;
	for (i = q->id; i < NH_RX_BUFS; i += v->nr_queues) {
		if (v->rx_granted[i])
			nh_rx_post(q, i, v->rx_ref_of[i]);
	}
	nh_rx_push(q);
	q->rx_posted = true;
}

/*
 * The next receive answer. The backend answers in the slot of the request
 * it used, so the slot tells which buffer it is: an extra's answer has no
 * id, and took a buffer all the same.
 */
static bool nh_rx_take(struct nh_queue *q, struct xen_netif_rx_response *rsp,
		       u16 *buf, bool *extra)
{
	RING_IDX prod = READ_ONCE(q->rx_sring->rsp_prod);
	RING_IDX i = q->rx_rsp_cons;

	if (prod == i)
		return false;
	virt_rmb();
	memcpy(rsp, &q->rx_sring->ring[i & (NH_RX_RING_SIZE - 1)].rsp,
	       sizeof(*rsp));
	*buf = q->rx_buf_at[i & (NH_RX_RING_SIZE - 1)];
	*extra = q->rx_extra_next;
	if (*extra)
		q->rx_extra_next = ((struct xen_netif_extra_info *)rsp)->flags &
				   XEN_NETIF_EXTRA_FLAG_MORE;
	else
		q->rx_extra_next = rsp->flags & XEN_NETRXF_extra_info;
	q->rx_rsp_cons++;
	return true;
}

static bool nh_rx_any(struct nh_vif *v)
{
	unsigned int i;

	for (i = 0; i < v->nr_queues; i++) {
		struct nh_queue *q = &v->queue[i];

		if (READ_ONCE(q->rx_sring->rsp_prod) != q->rx_rsp_cons)
			return true;
	}
	return false;
}

/* Until an answer is on any of @v's receive rings, or @ms pass. */
static void nh_rx_wait_any(struct nh_vif *v, unsigned int ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(ms);
	unsigned int i;

	while (!nh_rx_any(v) && !nh_stopped() &&
	       time_before(jiffies, deadline)) {
		/* An event at the next answer on each, then look again. */
		for (i = 0; i < v->nr_queues; i++)
			WRITE_ONCE(v->queue[i].rx_sring->rsp_event,
				   v->queue[i].rx_rsp_cons + 1);
		virt_mb();
		wait_event_timeout(v->wq, nh_rx_any(v), msecs_to_jiffies(10));
	}
}

/* ---- the cases ---- */

static bool nh_c_connected(struct nh_vif *unused, struct nh_out *o)
{
	unsigned int r, n = 0;

	mutex_lock(&nh.lock);
	for (r = 0; r < NH_NR_ROLES; r++)
		if (nh.vifs[r] && smp_load_acquire(&nh.vifs[r]->connected))
			n++;
	mutex_unlock(&nh.lock);
	nh_want(o, "%u", NH_NR_ROLES);
	nh_got(o, "%u", n);
	return n == NH_NR_ROLES;
}

static bool nh_c_valid_small(struct nh_vif *v, struct nh_out *o)
{
	nh_small(v, &nh.pkt[0], 0, NH_SMALL);
	return nh_send(v, &nh.pkt[0], o);
}

/* 200 bytes: 100 at the page's start, 60 at its very end, 40 mid-page. */
static void nh_three_slots(struct nh_vif *v, struct nh_pkt *p)
{
	nh_pkt_start(p, 0);
	nh_frame(v, 200);
	nh_data(v, p, 0, 100);
	nh_data(v, p, XEN_PAGE_SIZE - 60, 60);
	nh_data(v, p, 2048, 40);
	nh_seal(p);
}

static bool nh_c_valid_3_slots(struct nh_vif *v, struct nh_out *o)
{
	nh_three_slots(v, &nh.pkt[0]);
	return nh_send(v, &nh.pkt[0], o);
}

/* The most data slots a packet may have: 200 bytes, then 17 of 40. */
static bool nh_c_valid_18_slots(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];
	unsigned int i;

	nh_pkt_start(p, 0);
	nh_frame(v, 200 + (NH_MAX_DATA - 1) * 40);
	nh_data(v, p, 0, 200);
	for (i = 1; i < NH_MAX_DATA; i++)
		nh_data(v, p, 100 * i, 40);
	nh_seal(p);
	return nh_send(v, p, o);
}

/* The first 128 bytes in 3 slots, the most the backend allows. */
static bool nh_c_valid_hdr_3_slots(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];

	nh_pkt_start(p, 0);
	nh_frame(v, 200);
	nh_data(v, p, 0, 50);
	nh_data(v, p, 0, 50);
	nh_data(v, p, 0, 50);
	nh_data(v, p, 0, 50);
	nh_seal(p);
	return nh_send(v, p, o);
}

/* The longest frame without GSO: MTU 1500 plus Ethernet and VLAN headers. */
static bool nh_c_valid_1518(struct nh_vif *v, struct nh_out *o)
{
	nh_small(v, &nh.pkt[0], 0, NH_MTU_FRAME);
	return nh_send(v, &nh.pkt[0], o);
}

/* A hash extra is a hint the backend may ignore: answered null. */
static bool nh_c_valid_hash_extra(struct nh_vif *v, struct nh_out *o)
{
	struct xen_netif_extra_info ex = {
		.type = XEN_NETIF_EXTRA_TYPE_HASH,
		.u.hash = {
			.type = _XEN_NETIF_CTRL_HASH_TYPE_IPV4,
			.algorithm = XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ,
			.value = { 1, 2, 3, 4 },
		},
	};
	struct nh_pkt *p = &nh.pkt[0];

	nh_pkt_start(p, 0);
	nh_frame(v, NH_SMALL);
	nh_data(v, p, 0, NH_SMALL);
	nh_extra(p, &ex);
	nh_seal(p);
	return nh_send(v, p, o);
}

/* 3000 bytes of TCP in two slots with GSO: longer than the MTU allows. */
static bool nh_c_valid_gso(struct nh_vif *v, struct nh_out *o)
{
	struct xen_netif_extra_info ex = {
		.type = XEN_NETIF_EXTRA_TYPE_GSO,
		.u.gso = {
			.size = 1448,
			.type = XEN_NETIF_GSO_TYPE_TCPV4,
		},
	};
	struct nh_pkt *p = &nh.pkt[0];
	bool ok;

	nh_pkt_start(p, 0);
	nh_tcp_frame(v, NH_MAX_FRAME);
	nh_data(v, p, 0, 1500);
	nh_extra(p, &ex);
	nh_data(v, p, 96, NH_MAX_FRAME - 1500);
	nh_seal(p);
	p->req[0].flags |= XEN_NETTXF_csum_blank;
	ok = nh_send(v, p, o);
	nh_count(v, C_FROM_GUEST_GSO, 1);
	nh_count(v, C_FROM_GUEST_CSUM_BLANK, 1);
	return ok;
}

/*
 * A packet's first slot alone, announcing more: no answer until the rest
 * is there, then the whole packet is answered.
 */
static bool nh_c_valid_completed_later(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];
	unsigned int early;

	nh_pkt_start(p, 0);
	nh_frame(v, 160);
	nh_data(v, p, 0, 100);
	nh_data(v, p, 0, 60);
	nh_seal(p);
	nh_tx_drain(v);
	if (p->build_failed || nh_tx_outstanding(v) + p->n > NH_TX_RING_SIZE) {
		nh_want(o, "room");
		nh_got(o, "no-room-on-the-ring");
		return false;
	}
	nh_tx_post(v, p, 0, 1);
	nh_tx_push(v);
	early = nh_tx_wait(v, 1, NH_INCOMPLETE_MS);
	nh_tx_post(v, p, 1, p->n);
	nh_tx_push(v);
	nh_count(v, C_FROM_GUEST_PACKETS, 1);
	nh_want(o, "no-answer-to-half-a-packet,");
	if (early)
		nh_got(o, "%u-answer(s)-to-half-a-packet,", early);
	else
		nh_got(o, "no-answer-to-half-a-packet,");
	return nh_tx_finish(v, &p, 1, p->n, o) && !early;
}

/* A packet the backend must refuse for @why, then a valid one. */
static bool nh_refused(struct nh_vif *v, struct nh_pkt *p, enum nh_ctr why,
		       struct nh_out *o)
{
	bool ok;

	p->want = XEN_NETIF_RSP_ERROR;
	ok = nh_send(v, p, o);
	nh_count(v, why, 1);
	return nh_still_serving(v, o) && ok;
}

static bool nh_c_bad_offset_first(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];

	nh_pkt_start(p, 0);
	nh_frame(v, 200);
	nh_data(v, p, XEN_PAGE_SIZE - 96, 200);
	nh_seal(p);
	return nh_refused(v, p, C_DROP_BAD_OFFSET, o);
}

static bool nh_c_bad_offset_later(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];

	nh_pkt_start(p, 0);
	nh_frame(v, 300);
	nh_data(v, p, 0, 200);
	nh_data(v, p, XEN_PAGE_SIZE - 96, 100);
	nh_seal(p);
	return nh_refused(v, p, C_DROP_BAD_OFFSET, o);
}

/* An offset past the page altogether, where offset + size wraps no u16. */
static bool nh_c_bad_offset_past_page(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];

	nh_pkt_start(p, 0);
	nh_frame(v, NH_SMALL);
	nh_data(v, p, 0xffff, NH_SMALL);
	nh_seal(p);
	return nh_refused(v, p, C_DROP_BAD_OFFSET, o);
}

static bool nh_c_too_many_slots(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];
	unsigned int i;

	nh_pkt_start(p, 0);
	nh_frame(v, 200 + NH_MAX_DATA * 40);
	nh_data(v, p, 0, 200);
	for (i = 0; i < NH_MAX_DATA; i++)
		nh_data(v, p, 100 * i, 40);
	nh_seal(p);
	return nh_refused(v, p, C_DROP_TOO_MANY_SLOTS, o);
}

/* 200 bytes whose first 128 are in 4 slots of 32. */
static bool nh_c_hdr_split(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];
	unsigned int i;

	nh_pkt_start(p, 0);
	nh_frame(v, 200);
	for (i = 0; i < 4; i++)
		nh_data(v, p, 64 * i, 32);
	nh_data(v, p, 0, 200 - 4 * 32);
	nh_seal(p);
	return nh_refused(v, p, C_DROP_HDR_SPLIT, o);
}

static bool nh_c_zero_len_later(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];

	nh_pkt_start(p, 0);
	nh_frame(v, 150);
	nh_data(v, p, 0, 100);
	nh_data(v, p, 0, 0);
	nh_data(v, p, 0, 50);
	nh_seal(p);
	return nh_refused(v, p, C_DROP_ZERO_LEN, o);
}

/* A first slot of size 0 is a packet of 0 bytes: a runt. */
static bool nh_c_zero_len_first(struct nh_vif *v, struct nh_out *o)
{
	nh_small(v, &nh.pkt[0], 0, 0);
	return nh_refused(v, &nh.pkt[0], C_DROP_RUNT, o);
}

static bool nh_c_runt_13(struct nh_vif *v, struct nh_out *o)
{
	nh_small(v, &nh.pkt[0], 0, ETH_HLEN - 1);
	return nh_refused(v, &nh.pkt[0], C_DROP_RUNT, o);
}

static bool nh_c_oversize_1519(struct nh_vif *v, struct nh_out *o)
{
	nh_small(v, &nh.pkt[0], 0, NH_MTU_FRAME + 1);
	return nh_refused(v, &nh.pkt[0], C_DROP_OVERSIZE, o);
}

/* 1800 bytes in three slots, each well inside its page, and no GSO. */
static bool nh_c_oversize_3_slots(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];

	nh_pkt_start(p, 0);
	nh_frame(v, 1800);
	nh_data(v, p, 0, 1000);
	nh_data(v, p, 0, 400);
	nh_data(v, p, 0, 400);
	nh_seal(p);
	return nh_refused(v, p, C_DROP_OVERSIZE, o);
}

/* The later slots hold as much as the whole packet: none left for the first. */
static bool nh_c_bad_size_equal(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];

	nh_pkt_start(p, 0);
	nh_frame(v, 200);
	nh_data(v, p, 0, 100);
	nh_data(v, p, 0, 100);
	nh_seal(p);
	p->req[0].size = 100;
	return nh_refused(v, p, C_DROP_BAD_SIZE, o);
}

static bool nh_c_bad_size_more(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];

	nh_pkt_start(p, 0);
	nh_frame(v, 220);
	nh_data(v, p, 0, 100);
	nh_data(v, p, 0, 60);
	nh_data(v, p, 0, 60);
	nh_seal(p);
	p->req[0].size = 100;
	return nh_refused(v, p, C_DROP_BAD_SIZE, o);
}

/*
 * A packet the backend accepts but cannot copy: answered with an error
 * for all its slots, counted as drop_bad_gref.
 */
static bool nh_bad_gref(struct nh_vif *v, struct nh_pkt *p, struct nh_out *o)
{
	return nh_refused(v, p, C_DROP_BAD_GREF, o);
}

static bool nh_c_gref_never_granted(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];

	nh_small(v, p, 0, NH_SMALL);
	p->req[0].gref = NH_GREF_UNUSED;
	return nh_bad_gref(v, p, o);
}

/* A grant made and ended before the packet went out. */
static bool nh_c_gref_revoked(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];
	bool ok;
	int ref;

	nh_small(v, p, 0, NH_SMALL);
	ref = gnttab_grant_foreign_access(v->xdev->otherend_id,
					  xen_page_to_gfn(v->pool[0]), 1);
	if (ref < 0) {
		nh_want(o, "a-grant");
		nh_got(o, "no-grant-reference-%d", ref);
		return false;
	}
	/* Never published, so nobody can have mapped it. */
	gnttab_end_foreign_access_ref(ref);
	p->req[0].gref = ref;
	ok = nh_bad_gref(v, p, o);
	gnttab_free_grant_reference(ref);
	return ok;
}

/* A page granted, but to a domain other than the backend's. */
static bool nh_c_gref_other_domain(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];
	bool ok;
	int ref;

	nh_small(v, p, 0, NH_SMALL);
	ref = gnttab_grant_foreign_access(NH_OTHER_DOMID,
					  xen_page_to_gfn(v->pool[0]), 1);
	if (ref < 0) {
		nh_want(o, "a-grant");
		nh_got(o, "no-grant-reference-%d", ref);
		return false;
	}
	p->req[0].gref = ref;
	ok = nh_bad_gref(v, p, o);
	/* That domain does not exist: nothing can hold the grant. */
	if (!gnttab_try_end_foreign_access(ref))
		pr_err("grant %d to domain %u still in use\n", ref,
		       NH_OTHER_DOMID);
	return ok;
}

/* Two good slots, then one nobody granted: the whole packet fails. */
static bool nh_c_gref_later_slot(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];

	nh_three_slots(v, p);
	p->req[2].gref = NH_GREF_UNUSED;
	return nh_bad_gref(v, p, o);
}

/* A small frame with the extras in @ex (@n of them), to be refused. */
static bool nh_bad_extras(struct nh_vif *v, const struct xen_netif_extra_info *ex,
			  unsigned int n, enum nh_ctr why, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];
	unsigned int i;

	nh_pkt_start(p, 0);
	nh_frame(v, NH_SMALL);
	nh_data(v, p, 0, NH_SMALL);
	for (i = 0; i < n; i++)
		nh_extra(p, &ex[i]);
	nh_seal(p);
	return nh_refused(v, p, why, o);
}

static bool nh_c_extra_type_0(struct nh_vif *v, struct nh_out *o)
{
	struct xen_netif_extra_info ex = { .type = XEN_NETIF_EXTRA_TYPE_NONE };

	return nh_bad_extras(v, &ex, 1, C_DROP_BAD_EXTRA, o);
}

static bool nh_c_extra_type_9(struct nh_vif *v, struct nh_out *o)
{
	struct xen_netif_extra_info ex = { .type = 9 };

	return nh_bad_extras(v, &ex, 1, C_DROP_BAD_EXTRA, o);
}

/* Beyond any bit mask of types a backend might keep. */
static bool nh_c_extra_type_200(struct nh_vif *v, struct nh_out *o)
{
	struct xen_netif_extra_info ex = { .type = 200 };

	return nh_bad_extras(v, &ex, 1, C_DROP_BAD_EXTRA, o);
}

static bool nh_c_extra_two_gso(struct nh_vif *v, struct nh_out *o)
{
	struct xen_netif_extra_info ex[2] = {
		{
			.type = XEN_NETIF_EXTRA_TYPE_GSO,
			.u.gso = { .size = 1448, .type = XEN_NETIF_GSO_TYPE_TCPV4 },
		},
		{
			.type = XEN_NETIF_EXTRA_TYPE_GSO,
			.u.gso = { .size = 1448, .type = XEN_NETIF_GSO_TYPE_TCPV6 },
		},
	};

	return nh_bad_extras(v, ex, 2, C_DROP_BAD_EXTRA, o);
}

static bool nh_c_extra_gso_type_7(struct nh_vif *v, struct nh_out *o)
{
	struct xen_netif_extra_info ex = {
		.type = XEN_NETIF_EXTRA_TYPE_GSO,
		.u.gso = { .size = 1448, .type = 7 },
	};

	return nh_bad_extras(v, &ex, 1, C_DROP_BAD_GSO, o);
}

static bool nh_c_extra_gso_size_0(struct nh_vif *v, struct nh_out *o)
{
	struct xen_netif_extra_info ex = {
		.type = XEN_NETIF_EXTRA_TYPE_GSO,
		.u.gso = { .size = 0, .type = XEN_NETIF_GSO_TYPE_TCPV4 },
	};

	return nh_bad_extras(v, &ex, 1, C_DROP_BAD_GSO, o);
}

/*
 * An add and a del on one packet contradict each other: refused whole,
 * and neither is carried out (the victim's list stays empty).
 */
static bool nh_c_extra_mcast_add_and_del(struct nh_vif *v, struct nh_out *o)
{
	struct xen_netif_extra_info ex[2] = {
		{
			.type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD,
			.u.mcast.addr = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },
		},
		{
			.type = XEN_NETIF_EXTRA_TYPE_MCAST_DEL,
			.u.mcast.addr = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },
		},
	};

	return nh_bad_extras(v, ex, 2, C_DROP_BAD_EXTRA, o);
}

/*
 * Checksum offload asked for on a frame that is not IP: the slots are
 * fine, so they are answered okay, and the frame is dropped afterwards.
 */
static bool nh_c_csum_blank_not_ip(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];
	bool ok;

	nh_small(v, p, 0, NH_SMALL);
	p->req[0].flags |= XEN_NETTXF_csum_blank;
	p->undeliverable = true;
	ok = nh_send(v, p, o);
	nh_count(v, C_DROP_BAD_CSUM, 1);
	return nh_still_serving(v, o) && ok;
}

/* The same with GSO asked for on a frame that is not TCP. */
static bool nh_c_gso_not_tcp(struct nh_vif *v, struct nh_out *o)
{
	struct xen_netif_extra_info ex = {
		.type = XEN_NETIF_EXTRA_TYPE_GSO,
		.u.gso = { .size = 1448, .type = XEN_NETIF_GSO_TYPE_TCPV4 },
	};
	struct nh_pkt *p = &nh.pkt[0];
	bool ok;

	nh_pkt_start(p, 0);
	nh_frame(v, NH_SMALL);
	nh_data(v, p, 0, NH_SMALL);
	nh_extra(p, &ex);
	nh_seal(p);
	p->undeliverable = true;
	ok = nh_send(v, p, o);
	nh_count(v, C_DROP_BAD_CSUM, 1);
	return nh_still_serving(v, o) && ok;
}

/* Good, bad, good in one push: each judged on its own, in step. */
static bool nh_c_bad_between_good(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p[3] = { &nh.pkt[0], &nh.pkt[1], &nh.pkt[2] };
	bool ok;

	nh_small(v, p[0], 0, NH_SMALL);
	nh_pkt_start(p[1], 8);
	nh_frame(v, 200);
	nh_data(v, p[1], XEN_PAGE_SIZE - 96, 200);
	nh_seal(p[1]);
	p[1]->want = XEN_NETIF_RSP_ERROR;
	nh_small(v, p[2], 16, NH_SMALL);
	ok = nh_exchange(v, p, 3, o);
	nh_count(v, C_DROP_BAD_OFFSET, 1);
	return ok;
}

/*
 * The bystander gets the victim's frame whole: the backend delivers what
 * it accepts. Buffers go back on the ring as they come, since frames the
 * victim sent earlier are queued for the bystander before this one.
 */
static bool nh_c_receives_frame(struct nh_vif *b, struct nh_out *o)
{
	struct nh_vif *v = nh.vifs[NH_VICTIM];
	struct nh_queue *bq = &b->queue[0];
	struct nh_pkt *p = &nh.pkt[0];
	unsigned int frames = 0, errors = 0;
	u8 sent[NH_SMALL];
	unsigned long deadline;
	bool found = false, ok;

	if (!v || !smp_load_acquire(&v->connected)) {
		nh_want(o, "the-victim");
		nh_got(o, "no-victim-vif");
		return false;
	}
	nh_rx_post_good(bq);
	nh_small(v, p, 0, NH_SMALL);
	memcpy(sent, nh.frame, sizeof(sent));
	ok = nh_send(v, p, o);
	nh_want(o, ",the-frame-at-the-bystander");
	nh_got(o, ",");

	deadline = jiffies + msecs_to_jiffies(NH_TIMEOUT_MS);
	while (!found && !nh_stopped() && time_before(jiffies, deadline)) {
		struct xen_netif_rx_response rsp;
		bool extra, reposted = false;
		u16 buf;

		nh_rx_wait(bq, 1, 100);
		while (nh_rx_take(bq, &rsp, &buf, &extra)) {
			if (buf < NH_RX_BUFS) {
				nh_rx_post(bq, buf, b->rx_ref_of[buf]);
				reposted = true;
			}
			if (extra)
				continue;
			frames++;
			if (rsp.status <= 0 || rsp.id != buf) {
				errors++;
				continue;
			}
			if (found || buf >= NH_RX_BUFS ||
			    rsp.status != NH_SMALL || rsp.offset ||
			    (rsp.flags & XEN_NETRXF_more_data))
				continue;
			found = !memcmp(page_address(b->rx_page[buf]), sent,
					NH_SMALL);
		}
		if (reposted)
			nh_rx_push(bq);
	}
	nh_count_open(b, C_TO_GUEST_PACKETS, 1);
	if (found)
		nh_got(o, "the-frame-at-the-bystander");
	else
		nh_got(o, "not-in-%u-frames", frames);
	if (errors)
		nh_got(o, ",%u-bad-answer(s)", errors);
	return ok && found && !errors;
}

/*
 * The victim posts @n receive buffers with grant @gref; the bystander
 * sends as many frames. The backend can copy nothing into them: each is
 * answered with an error, and counted.
 */
static bool nh_rx_refused(struct nh_vif *v, grant_ref_t gref, unsigned int n,
			  struct nh_out *o)
{
	struct nh_vif *b = nh.vifs[NH_BYSTANDER];
	struct nh_queue *q = &v->queue[0];
	unsigned int i, errors = 0, wrong = 0, got;
	bool ok = true;

	if (!b || !smp_load_acquire(&b->connected)) {
		nh_want(o, "the-bystander");
		nh_got(o, "no-bystander-vif");
		return false;
	}
	for (i = 0; i < n; i++)
		nh_rx_post(q, 100 + i, gref);
	nh_rx_push(q);
	/* Frames the victim must get, whatever it already has queued. */
	for (i = 0; i < n; i++) {
		struct nh_out sink = { "", "" };

		nh_small(b, &nh.pkt[0], 0, NH_SMALL);
		if (!nh_send(b, &nh.pkt[0], &sink)) {
			ok = false;
			nh_want(o, "okay-1-at-the-bystander,");
			nh_got(o, "bystander-%s,", sink.got);
		}
	}
	got = nh_rx_wait(q, n, NH_TIMEOUT_MS);
	for (;;) {
		struct xen_netif_rx_response rsp;
		bool extra;
		u16 buf;

		if (!nh_rx_take(q, &rsp, &buf, &extra))
			break;
		if (!extra && rsp.status == XEN_NETIF_RSP_ERROR && rsp.id == buf)
			errors++;
		else
			wrong++;
	}
	nh_count(v, C_TO_GUEST_DROP_BAD_GREF, n);
	nh_want(o, "error-%u", n);
	nh_got(o, "error-%u", errors);
	if (wrong)
		nh_got(o, ",%u-other-answer(s)", wrong);
	if (got > n)
		nh_got(o, ",more-answers-than-buffers");
	return ok && errors == n && !wrong;
}

static bool nh_c_rx_bad_gref(struct nh_vif *v, struct nh_out *o)
{
	return nh_rx_refused(v, NH_GREF_UNUSED, NH_RX_BAD_BUFS, o);
}

/* A buffer the backend may only read: nothing is copied into it. */
static bool nh_c_rx_ro_gref(struct nh_vif *v, struct nh_out *o)
{
	u8 *page = page_address(v->pool[NH_RX_RO_PAGE]);
	bool ok, same;

	memset(page, NH_RX_RO_FILL, XEN_PAGE_SIZE);
	ok = nh_rx_refused(v, v->pool_ref[NH_RX_RO_PAGE], NH_RX_RO_BUFS, o);
	same = !memchr_inv(page, NH_RX_RO_FILL, XEN_PAGE_SIZE);
	nh_want(o, ",page-untouched");
	nh_got(o, ",page-%s", same ? "untouched" : "written");
	return ok && same;
}

/*
 * bad_limit + 1 runts in one push: more refusals within a second than
 * the backend lets a vif send. Each is answered with an error; then the
 * backend must have disabled the vif (the next case).
 */
static bool nh_c_budget_burst(struct nh_vif *v, struct nh_out *o)
{
	unsigned int n, i, errors = 0, other = 0;
	struct nh_pkt *p = &nh.pkt[0];
	struct xen_netif_tx_response rsp;
	bool excess = false;
	u16 id0;

	nh_tx_drain(v);
	if (bad_limit >= NH_TX_RING_SIZE - 1 - nh_tx_outstanding(v)) {
		nh_want(o, "bad_limit-below-%u", (unsigned int)NH_TX_RING_SIZE - 1);
		nh_got(o, "bad_limit-%u-too-large-for-one-ring", bad_limit);
		return false;
	}
	n = bad_limit + 1;
	nh_want(o, "error-%u", n);
	memset(nh.seen, 0, sizeof(nh.seen));
	id0 = v->next_id;
	for (i = 0; i < n; i++) {
		nh_small(v, p, 0, 10);
		nh_tx_post(v, p, 0, p->n);
	}
	nh_tx_push(v);
	nh_tx_wait(v, n, NH_TIMEOUT_MS);
	while (nh_tx_take(v, &rsp, &excess)) {
		u16 k = rsp.id - id0;

		if (k < n && !nh.seen[k] && rsp.status == XEN_NETIF_RSP_ERROR) {
			nh.seen[k] = true;
			errors++;
		} else {
			other++;
		}
	}
	nh_count(v, C_DROP_RUNT, n);
	nh_got(o, "error-%u", errors);
	if (other)
		nh_got(o, ",%u-other-answer(s)", other);
	if (excess)
		nh_got(o, ",more-answers-than-requests");
	return errors == n && !other && !excess;
}

/* The vif refused too much: it is disabled and answers nothing. */
static bool nh_c_disabled(struct nh_vif *v, struct nh_out *o)
{
	return nh_silent(v, o);
}

/*
 * 64 slots, each announcing one more: a chain no packet can be. The
 * backend must stop reading the ring, answer none of it, and disable the
 * vif; it counts drop_fatal.
 */
static bool nh_c_chain(struct nh_vif *v, struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];
	unsigned int i, n;

	nh_pkt_start(p, 0);
	nh_frame(v, NH_MAX_SLOTS * 10);
	for (i = 0; i < NH_MAX_SLOTS; i++)
		nh_data(v, p, 0, 10);
	nh_seal(p);
	/* The last one too: the chain has no end. */
	p->req[NH_MAX_SLOTS - 1].flags |= XEN_NETTXF_more_data;
	nh_tx_drain(v);
	nh_want(o, "no-answer");
	if (p->build_failed || nh_tx_outstanding(v) + p->n > NH_TX_RING_SIZE) {
		nh_got(o, "not-sent");
		return false;
	}
	nh_tx_post(v, p, 0, p->n);
	nh_tx_push(v);
	n = nh_tx_wait(v, 1, NH_SILENCE_MS);
	nh_count(v, C_DROP_FATAL, 1);
	if (n)
		nh_got(o, "%u-answer(s)", n);
	else
		nh_got(o, "no-answer");
	return !n;
}

/*
 * A valid one-slot frame whose size and/or offset we rewrite in its ring
 * slot until the backend answers, flipping between valid values and ones
 * it must refuse. The frame is in the page at both valid offsets. A
 * backend that copies the slot once and judges the copy answers the one
 * slot once, okay or error; one that reads it twice may copy with values
 * it never judged. The answer lies on bytes 0..3 of the slot, the
 * rewritten fields do not: late rewrites cannot spoil it.
 */
static bool nh_race(struct nh_vif *v, struct nh_out *o, bool size, bool offset)
{
	static const u16 sizes[] = { NH_SMALL, 0, NH_MTU_FRAME + 1, 5000 };
	static const u16 offsets[] = {
		0, XEN_PAGE_SIZE - NH_SMALL, XEN_PAGE_SIZE - 10, 0xffff,
	};
	unsigned int round, okay = 0, error = 0, bad = 0;
	struct nh_queue *q = &v->queue[0];
	struct nh_pkt *p = &nh.pkt[0];
	char why[64] = "";

	for (round = 0; round < race_rounds && !nh_stopped(); round++) {
		struct xen_netif_tx_request *slot;
		struct xen_netif_tx_response rsp;
		unsigned long deadline;
		bool excess = false, answered;
		unsigned int i;

		nh_small(v, p, 0, NH_SMALL);
		memcpy((u8 *)page_address(v->pool[0]) + XEN_PAGE_SIZE - NH_SMALL,
		       nh.frame, NH_SMALL);
		nh_tx_drain(v);
		if (p->build_failed || nh_tx_outstanding(v) + 1 > NH_TX_RING_SIZE) {
			if (!bad++)
				snprintf(why, sizeof(why), "round-%u-not-sent", round);
			continue;
		}
		slot = &q->tx_sring->ring[q->tx_prod_pvt & (NH_TX_RING_SIZE - 1)].req;
		nh_tx_post(v, p, 0, 1);
		nh_tx_push(v);
		deadline = jiffies + msecs_to_jiffies(NH_TIMEOUT_MS);
		for (i = 0; READ_ONCE(q->tx_sring->rsp_prod) == q->tx_rsp_cons; i++) {
			if (time_after(jiffies, deadline))
				break;
			if (size)
				WRITE_ONCE(slot->size, sizes[i % ARRAY_SIZE(sizes)]);
			if (offset)
				WRITE_ONCE(slot->offset,
					   offsets[(i / 3) % ARRAY_SIZE(offsets)]);
			if (!(i & 1023))
				cond_resched();
		}
		answered = nh_tx_take(v, &rsp, &excess);
		if (answered && rsp.id == p->req[0].id &&
		    rsp.status == XEN_NETIF_RSP_OKAY && !excess) {
			okay++;
		} else if (answered && rsp.id == p->req[0].id &&
			   rsp.status == XEN_NETIF_RSP_ERROR && !excess) {
			error++;
		} else if (!bad++) {
			if (answered)
				snprintf(why, sizeof(why), "round-%u-id-%u-%s%s",
					 round, rsp.id, nh_status_name(rsp.status),
					 excess ? "-excess" : "");
			else
				snprintf(why, sizeof(why), "round-%u-no-answer",
					 round);
		}
		/* One answer to one slot: a second would be a double read. */
		if (nh_tx_wait(v, 1, 1) && !bad++)
			snprintf(why, sizeof(why), "round-%u-two-answers", round);
	}
	pr_info("race%s%s: %u okay, %u error, %u wrong\n",
		size ? " size" : "", offset ? " offset" : "", okay, error, bad);
	nh_count(v, C_FROM_GUEST_PACKETS, okay);
	if (size) {
		nh_count_range(v, C_DROP_RUNT, 0, error);
		nh_count_range(v, C_DROP_OVERSIZE, 0, error);
	}
	nh_count_range(v, C_DROP_BAD_OFFSET, 0, error);
	nh_want(o, "%u-answers-okay-or-error", race_rounds);
	nh_got(o, "okay-%u,error-%u", okay, error);
	if (bad)
		nh_got(o, ",%u-wrong-first-%s", bad, why);
	return !bad && round == race_rounds;
}

static bool nh_c_race_size(struct nh_vif *v, struct nh_out *o)
{
	return nh_race(v, o, true, false);
}

static bool nh_c_race_offset(struct nh_vif *v, struct nh_out *o)
{
	return nh_race(v, o, false, true);
}

static bool nh_c_race_both(struct nh_vif *v, struct nh_out *o)
{
	return nh_race(v, o, true, true);
}

/*
 * A receive ring producer index 1000 buffers ahead: the backend must stop
 * using that ring, answer none of it, and disable the vif.
 */
static bool nh_c_rx_req_prod_ahead(struct nh_vif *v, struct nh_out *o)
{
	struct nh_queue *q = &v->queue[0];
	unsigned int n;

	virt_wmb();
	WRITE_ONCE(q->rx_sring->req_prod, q->rx_prod_pvt + 1000);
	virt_mb();
	notify_remote_via_irq(q->irq);
	n = nh_rx_wait(q, 1, NH_SILENCE_MS);
	nh_want(o, "no-answer");
	if (n)
		nh_got(o, "%u-answer(s)", n);
	else
		nh_got(o, "no-answer");
	return !n;
}

/*
 * Events with nothing on either ring, as fast as they go; then a valid
 * frame is still answered. The backend counts them as spurious.
 */
static bool nh_c_event_storm(struct nh_vif *v, struct nh_out *o)
{
	ktime_t start = ktime_get();
	unsigned int i;
	s64 ms = 0;
	bool ok;

	nh_tx_drain(v);
	for (i = 0; i < flood_kicks && !nh_stopped(); i++) {
		notify_remote_via_irq(v->queue[0].irq);
		if (!(i & 1023)) {
			cond_resched();
			ms = ktime_ms_delta(ktime_get(), start);
			if (ms > NH_FLOOD_MAX_MS)
				break;
		}
	}
	ms = ktime_ms_delta(ktime_get(), start);
	pr_info("storm: %u events in %lld ms\n", i, ms);
	nh_count_open(v, C_SPURIOUS_EVENTS, 1);
	start = ktime_get();
	/* A slow host may cut the storm short: any storm will do. */
	nh_want(o, "events");
	nh_got(o, "%s", i ? "events" : "no-events");
	ok = nh_still_serving(v, o);
	pr_info("storm: answered after %lld ms\n",
		ktime_ms_delta(ktime_get(), start));
	return ok && i;
}

/*
 * A producer index 1000 slots ahead of what the backend consumed: more
 * than the ring holds, so no backend can believe it. Ours must disable
 * the vif without answering anything.
 */
static bool nh_c_req_prod_ahead(struct nh_vif *v, struct nh_out *o)
{
	struct nh_queue *q = &v->queue[0];
	unsigned int n;

	nh_tx_drain(v);
	if (nh_tx_outstanding(v))
		pr_info("vif%u: %u slot(s) unanswered before req_prod ran ahead\n",
			v->handle, nh_tx_outstanding(v));
	virt_wmb();
	WRITE_ONCE(q->tx_sring->req_prod, q->tx_prod_pvt + 1000);
	virt_mb();
	notify_remote_via_irq(q->irq);
	n = nh_tx_wait(v, 1, NH_SILENCE_MS);
	nh_want(o, "no-answer");
	if (n)
		nh_got(o, "%u-answer(s)", n);
	else
		nh_got(o, "no-answer");
	return !n;
}

/* The index put right, a valid frame: nobody is listening any more. */
static bool nh_c_req_prod_then_silent(struct nh_vif *v, struct nh_out *o)
{
	return nh_silent(v, o);
}

/* ---- the control ring ---- */

static const char *nh_ctrl_status_name(u32 status)
{
	switch (status) {
	case XEN_NETIF_CTRL_STATUS_SUCCESS:
		return "success";
	case XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED:
		return "not-supported";
	case XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER:
		return "invalid-parameter";
	case XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW:
		return "buffer-overflow";
	default:
		return "unknown-status";
	}
}

static void nh_ctrl_push(struct nh_vif *v)
{
	/* The request before the index that hands it over. */
	virt_wmb();
	WRITE_ONCE(v->ctrl_sring->req_prod, v->ctrl_prod_pvt);
	virt_mb();
	notify_remote_via_irq(v->ctrl_irq);
}

/* Wait until an answer is there or @ms pass; how many are there. */
static unsigned int nh_ctrl_wait(struct nh_vif *v, unsigned int ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(ms);
	RING_IDX prod;

	for (;;) {
		prod = READ_ONCE(v->ctrl_sring->rsp_prod);
		if (prod != v->ctrl_rsp_cons || time_after(jiffies, deadline) ||
		    nh_stopped())
			return prod - v->ctrl_rsp_cons;
		WRITE_ONCE(v->ctrl_sring->rsp_event, prod + 1);
		virt_mb();
		if (READ_ONCE(v->ctrl_sring->rsp_prod) != prod)
			continue;
		wait_event_timeout(v->wq,
				   READ_ONCE(v->ctrl_sring->rsp_prod) != prod,
				   msecs_to_jiffies(10));
	}
}

static bool nh_ctrl_take(struct nh_vif *v, struct xen_netif_ctrl_response *rsp)
{
	RING_IDX prod = READ_ONCE(v->ctrl_sring->rsp_prod);

	if (prod == v->ctrl_rsp_cons)
		return false;
	/* The answer after the index that announced it. */
	virt_rmb();
	memcpy(rsp, &v->ctrl_sring->ring[v->ctrl_rsp_cons &
					 (NH_CTRL_RING_SIZE - 1)].rsp,
	       sizeof(*rsp));
	v->ctrl_rsp_cons++;
	return true;
}

/* Throw away answers to requests whose case gave up on them. */
static void nh_ctrl_drain(struct nh_vif *v)
{
	struct xen_netif_ctrl_response rsp;
	unsigned int n = 0;

	while (nh_ctrl_take(v, &rsp))
		n++;
	if (n)
		pr_info("vif%u: %u late control answer(s) dropped\n", v->handle,
			n);
}

/* The cases need a ring the backend took: say so once, in each case. */
static bool nh_ctrl_usable(struct nh_vif *v, struct nh_out *o)
{
	if (v->ctrl_published)
		return true;
	nh_want(o, "a-control-ring");
	nh_got(o, "no-control-ring-published");
	return false;
}

/*
 * One control request, and its answer: id and type echoed, the status
 * and data given, and no answer beside it. Counted as the backend must
 * count it. Appends to what @o already says.
 */
static bool nh_ctrl_call(struct nh_vif *v, u16 type, u32 d0, u32 d1, u32 d2,
			 u32 want_status, u32 want_data, struct nh_out *o)
{
	const char *wsep = o->want[0] ? "," : "";
	const char *gsep = o->got[0] ? "," : "";
	struct xen_netif_ctrl_request *req;
	struct xen_netif_ctrl_response rsp;
	bool ok;
	u16 id;

	nh_want(o, "%s%s-%u", wsep, nh_ctrl_status_name(want_status),
		want_data);
	if (!nh_ctrl_usable(v, o) || nh_stopped()) {
		nh_got(o, "%snot-sent", gsep);
		return false;
	}
	nh_ctrl_drain(v);
	id = v->ctrl_next_id++;
	req = &v->ctrl_sring->ring[v->ctrl_prod_pvt &
				   (NH_CTRL_RING_SIZE - 1)].req;
	req->id = id;
	req->type = type;
	req->data[0] = d0;
	req->data[1] = d1;
	req->data[2] = d2;
	v->ctrl_prod_pvt++;
	nh_ctrl_push(v);
	/* However many notifications coalesce, the backend sees one. */
	nh_count_open(v, C_CTRL_EVENTS, 1);
	nh_count(v, C_CTRL_REQUESTS, 1);
	if (want_status != XEN_NETIF_CTRL_STATUS_SUCCESS)
		nh_count(v, C_CTRL_REFUSED, 1);

	if (!nh_ctrl_wait(v, v->ctrl_unresponsive ? NH_TIMEOUT_DEAD_MS :
						    NH_TIMEOUT_MS) ||
	    !nh_ctrl_take(v, &rsp)) {
		if (!v->ctrl_unresponsive)
			pr_info("vif%u: no control answer within %u ms\n",
				v->handle, NH_TIMEOUT_MS);
		v->ctrl_unresponsive = true;
		nh_got(o, "%sno-answer", gsep);
		return false;
	}
	v->ctrl_unresponsive = false;
	ok = rsp.id == id && rsp.type == type && rsp.status == want_status &&
	     rsp.data == want_data;
	nh_got(o, "%s", gsep);
	if (rsp.id != id || rsp.type != type)
		nh_got(o, "id-%u-type-%u-for-id-%u-type-%u-", rsp.id, rsp.type,
		       id, type);
	nh_got(o, "%s-%u", nh_ctrl_status_name(rsp.status), rsp.data);
	if (READ_ONCE(v->ctrl_sring->rsp_prod) != v->ctrl_rsp_cons) {
		nh_got(o, "-and-more-answers-than-requests");
		ok = false;
	}
	return ok;
}

/* The backend offers the ring, and this vif's is in xenstore. */
static bool nh_c_ctrl_offered(struct nh_vif *v, struct nh_out *o)
{
	nh_want(o, "feature-ctrl-ring-1,ring-published");
	nh_got(o, "feature-ctrl-ring-%u,ring-%s", v->ctrl_offered,
	       v->ctrl_published ? "published" : "not-published");
	return v->ctrl_offered == 1 && v->ctrl_published;
}

static bool nh_c_ctrl_mapping_size(struct nh_vif *v, struct nh_out *o)
{
	return nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE,
			    0, 0, 0, XEN_NETIF_CTRL_STATUS_SUCCESS,
			    NH_CTRL_MAPPING_MAX, o);
}

/* A type no netif.h has: refused, and the ring goes on. */
static bool nh_c_ctrl_unknown_type(struct nh_vif *v, struct nh_out *o)
{
	bool ok;

	ok = nh_ctrl_call(v, 99, 1, 2, 3, XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED,
			  0, o);
	return nh_c_ctrl_mapping_size(v, o) && ok;
}

/*
 * An algorithm that does not exist is a bad parameter; it leaves hashing
 * off, so the hash types cannot be asked for yet.
 */
static bool nh_c_ctrl_unknown_algorithm(struct nh_vif *v, struct nh_out *o)
{
	bool ok;

	ok = nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM,
			  XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ + 1, 0, 0,
			  XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER, 0, o);
	return nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS, 0, 0, 0,
			    XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED, 0, o) && ok;
}

static bool nh_c_ctrl_toeplitz(struct nh_vif *v, struct nh_out *o)
{
	return nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM,
			    XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ, 0, 0,
			    XEN_NETIF_CTRL_STATUS_SUCCESS, 0, o);
}

static bool nh_c_ctrl_get_flags(struct nh_vif *v, struct nh_out *o)
{
	return nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS, 0, 0, 0,
			    XEN_NETIF_CTRL_STATUS_SUCCESS, NH_CTRL_HASH_TYPES, o);
}

/* A type bit beyond the four is refused; the four are taken. */
static bool nh_c_ctrl_set_flags(struct nh_vif *v, struct nh_out *o)
{
	bool ok;

	ok = nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS,
			  NH_CTRL_HASH_TYPES + 1, 0, 0,
			  XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER, 0, o);
	return nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS,
			    NH_CTRL_HASH_TYPES, 0, 0,
			    XEN_NETIF_CTRL_STATUS_SUCCESS, 0, o) && ok;
}

/*
 * A key in a grant nobody made: the backend's copy fails, which is a bad
 * parameter; the ring and the vif go on.
 */
static bool nh_c_ctrl_key_bad_gref(struct nh_vif *v, struct nh_out *o)
{
	bool ok;

	ok = nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, NH_GREF_UNUSED,
			  NH_CTRL_KEY_MAX, 0,
			  XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER, 0, o);
	ok = nh_c_ctrl_mapping_size(v, o) && ok;
	return nh_still_serving(v, o) && ok;
}

/* One byte more than the backend keeps: too large, not invalid. */
static bool nh_c_ctrl_key_41(struct nh_vif *v, struct nh_out *o)
{
	return nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY,
			    v->pool_ref[NH_CTRL_KEY_PAGE], NH_CTRL_KEY_MAX + 1,
			    0, XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW, 0, o);
}

/*
 * The key of Microsoft's RSS verification suite, whose published hashes
 * the hash vif's frames reproduce (nh_hash_frames[]).
 */
static const u8 nh_rss_key[NH_CTRL_KEY_MAX] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* The key into the vif's key page, granted read-only as netif.h allows. */
static bool nh_ctrl_set_key(struct nh_vif *v, struct nh_out *o)
{
	memcpy(page_address(v->pool[NH_CTRL_KEY_PAGE]), nh_rss_key,
	       sizeof(nh_rss_key));
	return nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY,
			    v->pool_ref[NH_CTRL_KEY_PAGE], sizeof(nh_rss_key),
			    0, XEN_NETIF_CTRL_STATUS_SUCCESS, 0, o);
}

static bool nh_c_ctrl_key_40(struct nh_vif *v, struct nh_out *o)
{
	return nh_ctrl_set_key(v, o);
}

static bool nh_c_ctrl_mapping_size_129(struct nh_vif *v, struct nh_out *o)
{
	return nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE,
			    NH_CTRL_MAPPING_MAX + 1, 0, 0,
			    XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER, 0, o);
}

/* A mapping table of 4 entries at the start of the map page. */
static void nh_ctrl_table(struct nh_vif *v, u32 e0, u32 e1, u32 e2, u32 e3)
{
	u32 *t = page_address(v->pool[NH_CTRL_MAP_PAGE]);

	t[0] = e0;
	t[1] = e1;
	t[2] = e2;
	t[3] = e3;
}

/*
 * A table of 4 entries: all naming queue 0 is taken; one naming queue 1
 * of this one-queue vif refuses the whole table.
 */
static bool nh_c_ctrl_mapping_bad_entry(struct nh_vif *v, struct nh_out *o)
{
	grant_ref_t ref = v->pool_ref[NH_CTRL_MAP_PAGE];
	bool ok;

	ok = nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE, 4, 0, 0,
			  XEN_NETIF_CTRL_STATUS_SUCCESS, 0, o);
	nh_ctrl_table(v, 0, 0, 0, 0);
	ok = nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, ref, 4, 0,
			  XEN_NETIF_CTRL_STATUS_SUCCESS, 0, o) && ok;
	nh_ctrl_table(v, 0, 1, 0, 0);
	return nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, ref, 4, 0,
			    XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER, 0, o) && ok;
}

/*
 * Sub-tables whose end wraps: offset + size past 2^32, and a size whose
 * bytes (4 each) wrap to 4. Both lie beyond any table: overflow.
 */
static bool nh_c_ctrl_mapping_wraps(struct nh_vif *v, struct nh_out *o)
{
	grant_ref_t ref = v->pool_ref[NH_CTRL_MAP_PAGE];
	bool ok;

	nh_ctrl_table(v, 0, 0, 0, 0);
	ok = nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, ref, 2,
			  0xffffffffU, XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW, 0,
			  o);
	return nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, ref,
			    0x40000001U, 0,
			    XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW, 0, o) && ok;
}

/*
 * Notifications on the control channel with no request behind them: no
 * answer comes, and the next request is answered all the same.
 */
static bool nh_c_ctrl_event_burst(struct nh_vif *v, struct nh_out *o)
{
	unsigned int i, n;

	if (!nh_ctrl_usable(v, o))
		return false;
	nh_ctrl_drain(v);
	for (i = 0; i < NH_CTRL_BURST && !nh_stopped(); i++) {
		notify_remote_via_irq(v->ctrl_irq);
		if (!(i & 127))
			cond_resched();
	}
	/* At least the first event reached the handler. */
	nh_count_open(v, C_CTRL_EVENTS, 1);
	n = nh_ctrl_wait(v, 100);
	nh_want(o, "%u-events-no-answer", NH_CTRL_BURST);
	nh_got(o, "%u-events-", i);
	if (n)
		nh_got(o, "%u-answer(s)", n);
	else
		nh_got(o, "no-answer");
	nh_ctrl_drain(v);
	return nh_c_ctrl_mapping_size(v, o) && i == NH_CTRL_BURST && !n;
}

/*
 * A control ring producer index 1000 requests ahead, more than the ring
 * holds: the backend must answer nothing and disable the vif.
 */
static bool nh_c_ctrl_req_prod_ahead(struct nh_vif *v, struct nh_out *o)
{
	unsigned int n;

	if (!nh_ctrl_usable(v, o))
		return false;
	nh_ctrl_drain(v);
	virt_wmb();
	WRITE_ONCE(v->ctrl_sring->req_prod, v->ctrl_prod_pvt + 1000);
	virt_mb();
	notify_remote_via_irq(v->ctrl_irq);
	n = nh_ctrl_wait(v, NH_SILENCE_MS);
	nh_want(o, "no-answer");
	if (n)
		nh_got(o, "%u-answer(s)", n);
	else
		nh_got(o, "no-answer");
	return !n;
}

/* The index put right and a valid request on it: nobody answers. */
static bool nh_c_ctrl_then_silent(struct nh_vif *v, struct nh_out *o)
{
	struct xen_netif_ctrl_request *req;
	unsigned int n;

	if (!nh_ctrl_usable(v, o))
		return false;
	req = &v->ctrl_sring->ring[v->ctrl_prod_pvt &
				   (NH_CTRL_RING_SIZE - 1)].req;
	memset(req, 0, sizeof(*req));
	req->id = v->ctrl_next_id++;
	req->type = XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE;
	v->ctrl_prod_pvt++;
	nh_ctrl_push(v);
	n = nh_ctrl_wait(v, NH_SILENCE_MS);
	nh_want(o, "no-answer");
	if (n)
		nh_got(o, "%u-answer(s)", n);
	else
		nh_got(o, "no-answer");
	return !n;
}

/* ---- multicast control ---- */

/*
 * The groups of the mcast vif. dom0 sends frame A of each round to
 * nh_group_a and B to nh_group_x (tests/vm/net-hostile.sh spells them
 * the same); nh_group_b is added on a frame and deleted again. The 63
 * that fill the list are 01:00:5e:5a:03:00 on (nh_group_fill()).
 */
static const u8 nh_group_a[ETH_ALEN] = { 0x01, 0x00, 0x5e, 0x5a, 0x02, 0x01 };
static const u8 nh_group_b[ETH_ALEN] = { 0x01, 0x00, 0x5e, 0x5a, 0x02, 0x02 };
static const u8 nh_group_x[ETH_ALEN] = { 0x01, 0x00, 0x5e, 0x5a, 0x02, 0x03 };

/* The backend's limit: XNB_MCAST_MAX, as the in-tree netback's. */
#define NH_MCAST_MAX		64
/* Where the module tells dom0 which round to send (data/ of the guest). */
#define NH_MCAST_KEY		"xsplit-net-hostile-mcast"
/* dom0 polls for the key and starts socat thrice: plenty under emulation. */
#define NH_MCAST_WAIT_MS	30000
/* The frames dom0 sends: our ethertype, then "XNHM", round, letter. */
#define NH_MCAST_TAG_AT		ETH_HLEN
#define NH_MCAST_LEN_MIN	(ETH_HLEN + 6)

static void nh_group_fill(u8 *a, unsigned int i)
{
	static const u8 base[ETH_ALEN] = { 0x01, 0x00, 0x5e, 0x5a, 0x03, 0x00 };

	ether_addr_copy(a, base);
	a[5] = (u8)i;
}

static const char *nh_mcast_op_name(u8 op)
{
	return op == XEN_NETIF_EXTRA_TYPE_MCAST_ADD ? "add" : "del";
}

/*
 * netif.h's dummy request for @op on @addr: one slot that names no
 * bytes (no grant, offset 0, size 0) and the extra after it.
 */
static void nh_dummy(struct nh_pkt *p, u8 op, const u8 *addr)
{
	struct xen_netif_extra_info ex = { .type = op };

	nh_pkt_start(p, 0);
	p->dummy = true;
	if (nh_slot_add(p, false))
		p->ndata++;
	ether_addr_copy(ex.u.mcast.addr, addr);
	nh_extra(p, &ex);
	nh_seal(p);
}

/*
 * One dummy request, answered okay if the backend carried the operation
 * out and error if it refused it; counted as the backend counts it.
 * Appends to what @o says, each request named.
 */
static bool nh_mcast_call(struct nh_vif *v, u8 op, const u8 *addr, bool done,
			  struct nh_out *o)
{
	struct nh_pkt *p = &nh.pkt[0];

	nh_want(o, "%s%s-%pM:", o->want[0] ? "+" : "", nh_mcast_op_name(op),
		addr);
	nh_got(o, "%s%s-%pM:", o->got[0] ? "+" : "", nh_mcast_op_name(op),
	       addr);
	nh_dummy(p, op, addr);
	p->want = done ? XEN_NETIF_RSP_OKAY : XEN_NETIF_RSP_ERROR;
	if (!done)
		nh_count(v, C_MCAST_REFUSED, 1);
	else if (op == XEN_NETIF_EXTRA_TYPE_MCAST_ADD)
		nh_count(v, C_MCAST_ADD, 1);
	else
		nh_count(v, C_MCAST_DEL, 1);
	return nh_send(v, p, o);
}

/* The backend offers both features, and our request is in xenstore. */
static bool nh_c_mcast_offered(struct nh_vif *v, struct nh_out *o)
{
	nh_want(o, "feature-multicast-control-1,dynamic-1,requested");
	nh_got(o, "feature-multicast-control-%u,dynamic-%u,%s",
	       v->mcast_offered, v->mcast_dynamic,
	       v->mcast_requested ? "requested" : "not-requested");
	return v->mcast_offered == 1 && v->mcast_dynamic == 1 &&
	       v->mcast_requested;
}

static bool nh_c_mcast_add(struct nh_vif *v, struct nh_out *o)
{
	return nh_mcast_call(v, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, nh_group_a,
			     true, o);
}

/*
 * The operation may ride on a frame too: the frame is judged and
 * delivered like any other, and the group is added.
 */
static bool nh_c_mcast_add_on_frame(struct nh_vif *v, struct nh_out *o)
{
	struct xen_netif_extra_info ex = {
		.type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD,
	};
	struct nh_pkt *p = &nh.pkt[0];

	ether_addr_copy(ex.u.mcast.addr, nh_group_b);
	nh_pkt_start(p, 0);
	nh_frame(v, NH_SMALL);
	nh_data(v, p, 0, NH_SMALL);
	nh_extra(p, &ex);
	nh_seal(p);
	nh_count(v, C_MCAST_ADD, 1);
	return nh_send(v, p, o);
}

/* A group already listed, added again: accepted, and still one entry. */
static bool nh_c_mcast_add_repeated(struct nh_vif *v, struct nh_out *o)
{
	return nh_mcast_call(v, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, nh_group_a,
			     true, o);
}

/* Our own MAC and the broadcast address are no groups to filter by. */
static bool nh_c_mcast_add_not_a_group(struct nh_vif *v, struct nh_out *o)
{
	u8 bcast[ETH_ALEN];
	bool ok;

	eth_broadcast_addr(bcast);
	ok = nh_mcast_call(v, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, v->mac, false, o);
	ok = nh_mcast_call(v, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, bcast, false,
			   o) && ok;
	return nh_still_serving(v, o) && ok;
}

static bool nh_c_mcast_del_absent(struct nh_vif *v, struct nh_out *o)
{
	return nh_mcast_call(v, XEN_NETIF_EXTRA_TYPE_MCAST_DEL, nh_group_x,
			     false, o);
}

/* The group the frame added goes; a second del finds it gone. */
static bool nh_c_mcast_del(struct nh_vif *v, struct nh_out *o)
{
	bool ok;

	ok = nh_mcast_call(v, XEN_NETIF_EXTRA_TYPE_MCAST_DEL, nh_group_b,
			   true, o);
	return nh_mcast_call(v, XEN_NETIF_EXTRA_TYPE_MCAST_DEL, nh_group_b,
			     false, o) && ok;
}

/*
 * An empty first slot with data after it is no dummy request but a
 * packet of 0 bytes, a runt: refused whole, its add not carried out.
 */
static bool nh_c_mcast_empty_slot_with_data(struct nh_vif *v, struct nh_out *o)
{
	struct xen_netif_extra_info ex = {
		.type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD,
	};
	struct nh_pkt *p = &nh.pkt[0];

	ether_addr_copy(ex.u.mcast.addr, nh_group_b);
	nh_pkt_start(p, 0);
	nh_frame(v, NH_SMALL);
	nh_data(v, p, 0, 0);
	nh_extra(p, &ex);
	nh_data(v, p, 0, NH_SMALL);
	nh_seal(p);
	p->req[0].size = 0;
	return nh_refused(v, p, C_DROP_RUNT, o);
}

/*
 * Which of this round's frames from dom0 the answer in buffer @buf is:
 * 0 for A, 1 for B, 2 for C, -1 for any other frame; -2 for one that
 * says it is ours but is not what dom0 sends.
 */
static int nh_mcast_frame(struct nh_vif *v, u16 buf,
			  const struct xen_netif_rx_response *rsp,
			  unsigned int round)
{
	static const u8 tag[4] = { 'X', 'N', 'H', 'M' };
	const u8 *f = page_address(v->rx_page[buf]);
	const struct ethhdr *eth = (const struct ethhdr *)f;
	int which;

	if (rsp->offset || rsp->status < NH_MCAST_LEN_MIN ||
	    (rsp->flags & XEN_NETRXF_more_data) ||
	    eth->h_proto != htons(NH_ETHERTYPE) ||
	    memcmp(f + NH_MCAST_TAG_AT, tag, sizeof(tag)) ||
	    f[NH_MCAST_TAG_AT + 4] != round)
		return -1;
	which = f[NH_MCAST_TAG_AT + 5] - 'A';
	if (which == 0 && ether_addr_equal(eth->h_dest, nh_group_a))
		return 0;
	if (which == 1 && ether_addr_equal(eth->h_dest, nh_group_x))
		return 1;
	if (which == 2 && is_broadcast_ether_addr(eth->h_dest))
		return 2;
	return -2;
}

/*
 * Take what the receive ring brought, putting each buffer back, until C
 * of @round came or time is up; note which of A, B and C did. Every
 * packet received whole is counted for to_guest_packets.
 */
static bool nh_mcast_receive(struct nh_vif *v, unsigned int round,
			     bool seen[3], unsigned int *bad)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(NH_MCAST_WAIT_MS);
	struct nh_queue *q = &v->queue[0];

	while (!seen[2] && !nh_stopped() && time_before(jiffies, deadline)) {
		struct xen_netif_rx_response rsp;
		bool extra, reposted = false;
		int which;
		u16 buf;

		nh_rx_wait(q, 1, 100);
		while (nh_rx_take(q, &rsp, &buf, &extra)) {
			bool first;

			if (buf < NH_RX_BUFS) {
				nh_rx_post(q, buf, v->rx_ref_of[buf]);
				reposted = true;
			}
			if (extra)
				continue;
			first = !q->rx_in_frame;
			q->rx_in_frame = rsp.flags & XEN_NETRXF_more_data;
			if (rsp.status <= 0 || rsp.id != buf || buf >= NH_RX_BUFS) {
				(*bad)++;
				continue;
			}
			/* A packet's later slots are no packet of their own. */
			if (!first)
				continue;
			v->rx_frames++;
			which = nh_mcast_frame(v, buf, &rsp, round);
			if (which >= 0)
				seen[which] = true;
			else if (which == -2)
				(*bad)++;
		}
		if (reposted)
			nh_rx_push(q);
	}
	return seen[2];
}

/*
 * One round of the filter: request-multicast-control set to @filter (if
 * it is not so already), dom0 asked to send A, B and C, and they looked
 * for. The list holds nh_group_a and not nh_group_x.
 */
static bool nh_mcast_round(struct nh_vif *v, unsigned int round, bool filter,
			   struct nh_out *o)
{
	bool seen[3] = { false, false, false };
	unsigned int bad = 0;
	int ret;

	nh_want(o, "A%s-C", filter ? "" : "-B");
	if (!v->mcast_requested) {
		nh_got(o, "no-request-multicast-control-written");
		return false;
	}
	/* Buffers before dom0 is asked: frames for them may come at once. */
	nh_rx_post_good(&v->queue[0]);
	ret = xenbus_printf(XBT_NIL, v->xdev->nodename,
			    "request-multicast-control", "%u", filter ? 1 : 0);
	if (!ret)
		ret = xenbus_printf(XBT_NIL, "data", NH_MCAST_KEY, "%u", round);
	if (ret) {
		nh_got(o, "xenstore-write-failed-%d", ret);
		return false;
	}
	nh_mcast_receive(v, round, seen, &bad);
	if (filter)
		v->mcast_dropped++;
	nh_count_open(v, C_TO_GUEST_PACKETS, v->rx_frames);
	nh_count_open(v, C_TO_GUEST_DROP_MCAST, v->mcast_dropped);
	if (!seen[2]) {
		nh_got(o, "no-C-from-dom0-within-%u-ms(A-%s,B-%s)",
		       NH_MCAST_WAIT_MS, seen[0] ? "came" : "not",
		       seen[1] ? "came" : "not");
	} else {
		nh_got(o, "%s%s-C", seen[0] ? "A" : "no-A",
		       seen[1] ? "-B" : "");
	}
	if (bad)
		nh_got(o, ",%u-bad-answer(s)", bad);
	return seen[0] && seen[1] == !filter && seen[2] && !bad;
}

/* Filtering as the vif connected: the unlisted group's frame is dropped. */
static bool nh_c_mcast_filter_on(struct nh_vif *v, struct nh_out *o)
{
	return nh_mcast_round(v, 1, true, o);
}

/* request-multicast-control 0 at run time: everything comes. */
static bool nh_c_mcast_filter_off(struct nh_vif *v, struct nh_out *o)
{
	return nh_mcast_round(v, 2, false, o);
}

/* And 1 again: the unlisted group's frame is dropped again. */
static bool nh_c_mcast_filter_on_again(struct nh_vif *v, struct nh_out *o)
{
	return nh_mcast_round(v, 3, true, o);
}

/*
 * The list holds nh_group_a: 63 more fill it, a 65th is refused, and a
 * repeated add of a listed group is still accepted when it is full. The
 * vif goes on serving.
 */
static bool nh_c_mcast_add_past_64(struct nh_vif *v, struct nh_out *o)
{
	struct nh_out sink;
	unsigned int i, failed = 0;
	u8 a[ETH_ALEN];
	bool ok;

	for (i = 0; i < NH_MCAST_MAX - 1 && !nh_stopped(); i++) {
		memset(&sink, 0, sizeof(sink));
		nh_group_fill(a, i);
		if (!nh_mcast_call(v, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, a, true,
				   &sink) && !failed++) {
			nh_want(o, "%s,", sink.want);
			nh_got(o, "%s,", sink.got);
		}
	}
	nh_want(o, "%u-added", NH_MCAST_MAX - 1);
	nh_got(o, "%u-added", i - failed);
	nh_group_fill(a, NH_MCAST_MAX - 1);
	ok = nh_mcast_call(v, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, a, false, o);
	ok = nh_mcast_call(v, XEN_NETIF_EXTRA_TYPE_MCAST_ADD, nh_group_a, true,
			   o) && ok;
	ok = nh_still_serving(v, o) && ok;
	return ok && !failed && i == NH_MCAST_MAX - 1;
}

/* ---- receive-side hashing, on a vif with two queues ---- */

/* Where the module tells dom0 which round to send (data/ of the guest). */
#define NH_HASH_KEY		"xsplit-net-hostile-hash"
/* Every frame dom0 sends this vif is as long; its last 8 bytes tag it. */
#define NH_HASH_LEN		96
#define NH_HASH_TAG_AT		(NH_HASH_LEN - 8)
/* The index in the tag of the frame that ends a round. */
#define NH_HASH_END		0xff
/* dom0 starts socat once a frame, 27 times a round: slow under emulation. */
#define NH_HASH_WAIT_MS		45000
/* How long frames on the other queue may trail the end frame. */
#define NH_HASH_GRACE_MS	2000
#define NH_HASH_MAPPING_SIZE	8

/* What the frames of the list are, and so how they must be hashed. */
enum nh_hash_kind {
	NH_TCP4,		/* IPv4 + TCP: source and destination ports */
	NH_UDP4,		/* IPv4 only: no TCP ports to take */
	NH_TCP4_FIRST_FRAG,	/* IPv4 only: a fragment's ports do not count */
	NH_TCP4_LATER_FRAG,
	NH_TCP6,
	NH_UDP6,
	NH_NOT_IP,		/* not hashed at all */
};

static const char *const nh_hash_kind_names[] = {
	[NH_TCP4] = "tcp4",
	[NH_UDP4] = "udp4",
	[NH_TCP4_FIRST_FRAG] = "tcp4-first-fragment",
	[NH_TCP4_LATER_FRAG] = "tcp4-later-fragment",
	[NH_TCP6] = "tcp6",
	[NH_UDP6] = "udp6",
	[NH_NOT_IP] = "not-ip",
};

struct nh_hash_frame {
	enum nh_hash_kind kind;
	u8 saddr[16];		/* IPv4 in the first 4 */
	u8 daddr[16];
	u16 sport, dport;
	u32 published;		/* Microsoft's hash of this input, or 0 */
};

#define NH_IP4(a, b, c, d)	{ a, b, c, d }

/*
 * The list dom0 sends in each round, in this order (HASH_FRAMES in
 * tests/vm/net-hostile.sh spells it the same). Most addresses and ports
 * are those of Microsoft's RSS verification suite, so that the guest's
 * own hashes are checked against published values before they judge the
 * backend's; with nh_hash_mapping[] they send frames to both queues.
 */
static const struct nh_hash_frame nh_hash_frames[] = {
	{ NH_TCP4, NH_IP4(66, 9, 149, 187), NH_IP4(161, 142, 100, 80),
	  2794, 1766, 0x51ccc178 },
	{ NH_TCP4, NH_IP4(199, 92, 111, 2), NH_IP4(65, 69, 140, 83),
	  14230, 4739, 0xc626b0ea },
	{ NH_TCP4, NH_IP4(24, 19, 198, 95), NH_IP4(12, 22, 207, 184),
	  12898, 38024, 0x5c2b394a },
	{ NH_TCP4, NH_IP4(38, 27, 205, 30), NH_IP4(209, 142, 163, 6),
	  48228, 2217, 0xafc7327f },
	{ NH_TCP4, NH_IP4(153, 39, 163, 191), NH_IP4(202, 188, 127, 2),
	  44251, 1303, 0x10e828a2 },
	/* One flow but for the source port, from TEST-NET-2. */
	{ NH_TCP4, NH_IP4(198, 51, 100, 7), NH_IP4(198, 51, 100, 1), 40001, 80 },
	{ NH_TCP4, NH_IP4(198, 51, 100, 7), NH_IP4(198, 51, 100, 1), 40002, 80 },
	{ NH_TCP4, NH_IP4(198, 51, 100, 7), NH_IP4(198, 51, 100, 1), 40003, 80 },
	{ NH_TCP4, NH_IP4(198, 51, 100, 7), NH_IP4(198, 51, 100, 1), 40004, 80 },
	{ NH_TCP4, NH_IP4(198, 51, 100, 7), NH_IP4(198, 51, 100, 1), 40005, 80 },
	{ NH_TCP4, NH_IP4(198, 51, 100, 7), NH_IP4(198, 51, 100, 1), 40006, 80 },
	{ NH_TCP4, NH_IP4(198, 51, 100, 7), NH_IP4(198, 51, 100, 1), 40007, 80 },
	{ NH_UDP4, NH_IP4(66, 9, 149, 187), NH_IP4(161, 142, 100, 80),
	  2794, 1766, 0x323e8fc2 },
	{ NH_UDP4, NH_IP4(199, 92, 111, 2), NH_IP4(65, 69, 140, 83),
	  14230, 4739, 0xd718262a },
	{ NH_UDP4, NH_IP4(24, 19, 198, 95), NH_IP4(12, 22, 207, 184),
	  12898, 38024, 0xd2d0a5de },
	{ NH_UDP4, NH_IP4(38, 27, 205, 30), NH_IP4(209, 142, 163, 6),
	  48228, 2217, 0x82989176 },
	{ NH_TCP4_FIRST_FRAG, NH_IP4(153, 39, 163, 191),
	  NH_IP4(202, 188, 127, 2), 44251, 1303, 0x5d1809c5 },
	{ NH_TCP4_LATER_FRAG, NH_IP4(66, 9, 149, 187),
	  NH_IP4(161, 142, 100, 80), 2794, 1766, 0x323e8fc2 },
	/* 3ffe:2501:200:1fff::7 to 3ffe:2501:200:3::1 */
	{ NH_TCP6,
	  { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x1f, 0xff, 0, 0, 0, 0, 0, 0, 0, 7 },
	  { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 1 },
	  2794, 1766, 0x40207d3d },
	/* 3ffe:501:8::260:97ff:fe40:efab to ff02::1 */
	{ NH_TCP6,
	  { 0x3f, 0xfe, 0x05, 0x01, 0x00, 0x08, 0x00, 0x00,
	    0x02, 0x60, 0x97, 0xff, 0xfe, 0x40, 0xef, 0xab },
	  { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	  14230, 4739, 0xdde51bbf },
	/* 3ffe:1900:4545:3:200:f8ff:fe21:67cf to fe80::200:f8ff:fe21:67cf */
	{ NH_TCP6,
	  { 0x3f, 0xfe, 0x19, 0x00, 0x45, 0x45, 0x00, 0x03,
	    0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67, 0xcf },
	  { 0xfe, 0x80, 0, 0, 0, 0, 0, 0,
	    0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67, 0xcf },
	  44251, 38024, 0x02d1feef },
	/* 2001:db8::7 to 2001:db8::1 */
	{ NH_TCP6,
	  { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7 },
	  { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	  40001, 80 },
	{ NH_UDP6,
	  { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x1f, 0xff, 0, 0, 0, 0, 0, 0, 0, 7 },
	  { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 1 },
	  2794, 1766, 0x2cc18cd5 },
	{ NH_UDP6,
	  { 0x3f, 0xfe, 0x05, 0x01, 0x00, 0x08, 0x00, 0x00,
	    0x02, 0x60, 0x97, 0xff, 0xfe, 0x40, 0xef, 0xab },
	  { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	  14230, 4739, 0x0f0c461c },
	{ NH_NOT_IP },
	{ NH_NOT_IP },
};

#define NH_HASH_FRAMES		ARRAY_SIZE(nh_hash_frames)
static_assert(ARRAY_SIZE(nh_hash_frames) < NH_HASH_END);

/* The frame that ends a round: dom0 sends it last, after a pause. */
static const struct nh_hash_frame nh_hash_end = { NH_NOT_IP };

/* Hash value % 8 to queue: entries for each of the two queues. */
static const u32 nh_hash_mapping[NH_HASH_MAPPING_SIZE] = {
	0, 1, 1, 0, 1, 0, 0, 1,
};

/* The made-up source of dom0's frames; the guest's MAC is the destination. */
static const u8 nh_hash_src[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x5a, 0x0e, 0x07 };
static const u8 nh_hash_tag[4] = { 'X', 'N', 'H', 'H' };

static const struct nh_hash_frame *nh_hash_frame_at(unsigned int idx)
{
	return idx < NH_HASH_FRAMES ? &nh_hash_frames[idx] : &nh_hash_end;
}

static const char *nh_hash_frame_name(unsigned int idx)
{
	if (idx >= NH_HASH_FRAMES)
		return "end";
	return nh_hash_kind_names[nh_hash_frames[idx].kind];
}

/* An IPv4 header at @f's start; @frag_off in host order. */
static unsigned int nh_hash_ip4(u8 *f, const struct nh_hash_frame *hf,
				u8 proto, u16 frag_off)
{
	struct iphdr *iph = (struct iphdr *)(f + ETH_HLEN);

	*(__be16 *)(f + 2 * ETH_ALEN) = htons(ETH_P_IP);
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tot_len = htons(NH_HASH_LEN - ETH_HLEN);
	iph->frag_off = htons(frag_off);
	iph->ttl = 64;
	iph->protocol = proto;
	memcpy(&iph->saddr, hf->saddr, 4);
	memcpy(&iph->daddr, hf->daddr, 4);
	iph->check = ip_fast_csum(iph, iph->ihl);
	return ETH_HLEN + sizeof(*iph);
}

static unsigned int nh_hash_ip6(u8 *f, const struct nh_hash_frame *hf,
				u8 proto)
{
	struct ipv6hdr *ip6h = (struct ipv6hdr *)(f + ETH_HLEN);

	*(__be16 *)(f + 2 * ETH_ALEN) = htons(ETH_P_IPV6);
	ip6h->version = 6;
	ip6h->payload_len = htons(NH_HASH_LEN - ETH_HLEN - sizeof(*ip6h));
	ip6h->nexthdr = proto;
	ip6h->hop_limit = 64;
	memcpy(&ip6h->saddr, hf->saddr, 16);
	memcpy(&ip6h->daddr, hf->daddr, 16);
	return ETH_HLEN + sizeof(*ip6h);
}

/* A TCP header at @at: the ports, data offset 5, nothing to check. */
static unsigned int nh_hash_tcp(u8 *f, unsigned int at,
				const struct nh_hash_frame *hf)
{
	struct tcphdr *th = (struct tcphdr *)(f + at);

	th->source = htons(hf->sport);
	th->dest = htons(hf->dport);
	th->seq = htonl(1);
	th->doff = sizeof(*th) / 4;
	th->ack = 1;
	th->psh = 1;
	th->window = htons(8192);
	return at + sizeof(*th);
}

static unsigned int nh_hash_udp(u8 *f, unsigned int at,
				const struct nh_hash_frame *hf)
{
	struct udphdr *uh = (struct udphdr *)(f + at);

	uh->source = htons(hf->sport);
	uh->dest = htons(hf->dport);
	uh->len = htons(NH_HASH_LEN - at);
	return at + sizeof(*uh);
}

/*
 * Frame @idx (NH_HASH_END: the end frame) of @round as dom0 writes it,
 * into @f: Ethernet to @v's MAC, the headers its kind has, a pattern, and
 * the tag "XNHH", round, index, 0, 0.
 */
static void nh_hash_build(const struct nh_vif *v, unsigned int round,
			  unsigned int idx, u8 *f)
{
	const struct nh_hash_frame *hf = nh_hash_frame_at(idx);
	unsigned int at;

	memset(f, 0, NH_HASH_LEN);
	memcpy(f, v->mac, ETH_ALEN);
	memcpy(f + ETH_ALEN, nh_hash_src, ETH_ALEN);
	switch (hf->kind) {
	case NH_TCP4:
		at = nh_hash_tcp(f, nh_hash_ip4(f, hf, IPPROTO_TCP, IP_DF), hf);
		break;
	case NH_UDP4:
		at = nh_hash_udp(f, nh_hash_ip4(f, hf, IPPROTO_UDP, IP_DF), hf);
		break;
	case NH_TCP4_FIRST_FRAG:
		at = nh_hash_tcp(f, nh_hash_ip4(f, hf, IPPROTO_TCP, IP_MF), hf);
		break;
	case NH_TCP4_LATER_FRAG:
		/* 1480 bytes in: what follows is no header, but data. */
		at = nh_hash_tcp(f, nh_hash_ip4(f, hf, IPPROTO_TCP, 185), hf);
		break;
	case NH_TCP6:
		at = nh_hash_tcp(f, nh_hash_ip6(f, hf, IPPROTO_TCP), hf);
		break;
	case NH_UDP6:
		at = nh_hash_udp(f, nh_hash_ip6(f, hf, IPPROTO_UDP), hf);
		break;
	default:
		*(__be16 *)(f + 2 * ETH_ALEN) = htons(NH_ETHERTYPE);
		at = ETH_HLEN;
		break;
	}
	for (; at < NH_HASH_TAG_AT; at++)
		f[at] = (u8)(at * 3 + idx);
	memcpy(f + NH_HASH_TAG_AT, nh_hash_tag, sizeof(nh_hash_tag));
	f[NH_HASH_TAG_AT + 4] = round;
	f[NH_HASH_TAG_AT + 5] = idx;
}

/* What a frame must come with while all four hash types are on. */
struct nh_hash_want {
	bool hashed;
	u8 type;		/* _XEN_NETIF_CTRL_HASH_TYPE_*: a bit number */
	u32 value;
	unsigned int queue;
};

/*
 * The hash type and input netif.h prescribes for @hf, hashed with
 * netif.h's own Toeplitz code under our key: none of the backend's.
 */
static struct nh_hash_want nh_hash_expect(const struct nh_hash_frame *hf)
{
	struct nh_hash_want w = { .hashed = true };
	unsigned int alen, len;
	bool ports = false;
	u8 in[36];

	switch (hf->kind) {
	case NH_TCP4:
		w.type = _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP;
		alen = 4;
		ports = true;
		break;
	case NH_UDP4:
	case NH_TCP4_FIRST_FRAG:
	case NH_TCP4_LATER_FRAG:
		w.type = _XEN_NETIF_CTRL_HASH_TYPE_IPV4;
		alen = 4;
		break;
	case NH_TCP6:
		w.type = _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP;
		alen = 16;
		ports = true;
		break;
	case NH_UDP6:
		w.type = _XEN_NETIF_CTRL_HASH_TYPE_IPV6;
		alen = 16;
		break;
	default:
		return (struct nh_hash_want){ .hashed = false };
	}
	memcpy(in, hf->saddr, alen);
	memcpy(in + alen, hf->daddr, alen);
	len = 2 * alen;
	if (ports) {
		in[len++] = hf->sport >> 8;
		in[len++] = hf->sport & 0xff;
		in[len++] = hf->dport >> 8;
		in[len++] = hf->dport & 0xff;
	}
	w.value = xen_netif_toeplitz_hash(nh_rss_key, sizeof(nh_rss_key), in,
					  len);
	w.queue = nh_hash_mapping[w.value % NH_HASH_MAPPING_SIZE];
	return w;
}

/* The hash cases need both queues: say so in each. */
static bool nh_hash_usable(struct nh_vif *v, struct nh_out *o)
{
	if (v->nr_queues == NH_HASH_QUEUES)
		return true;
	nh_want(o, "%u-queues", NH_HASH_QUEUES);
	nh_got(o, "%u-queue(s),multi-queue-max-queues-%u", v->nr_queues,
	       v->mq_offered);
	return false;
}

/* What can be wrong with a round, counted by what. */
enum nh_hash_fault {
	NH_HF_MISSING,
	NH_HF_TWICE,
	NH_HF_DAMAGED,
	NH_HF_QUEUE,
	NH_HF_NO_HASH,
	NH_HF_WRONG_HASH,
	NH_HF_STRAY_HASH,
	NH_HF_EXTRA,
	NH_HF_ANSWER,
	NH_HF_UNKNOWN,
	NH_HF_NR
};

static const char *const nh_hash_fault_names[NH_HF_NR] = {
	[NH_HF_MISSING] = "missing",
	[NH_HF_TWICE] = "twice",
	[NH_HF_DAMAGED] = "damaged",
	[NH_HF_QUEUE] = "wrong-queue",
	[NH_HF_NO_HASH] = "no-hash-extra",
	[NH_HF_WRONG_HASH] = "wrong-hash-extra",
	[NH_HF_STRAY_HASH] = "stray-hash-extra",
	[NH_HF_EXTRA] = "unexpected-extra",
	[NH_HF_ANSWER] = "bad-answer",
	[NH_HF_UNKNOWN] = "unknown-tag",
};

/* One round: what came of the list, on which queue, and what was wrong. */
struct nh_hash_round {
	unsigned int round;
	bool hashing;			/* Toeplitz on: extras, queues */
	u8 seen[NH_HASH_FRAMES + 1];	/* times each came; the end last */
	unsigned int ours[NH_HASH_QUEUES];
	unsigned int others;		/* frames that are not the list's */
	unsigned long end_at;		/* when the end frame came */
	unsigned int fault[NH_HF_NR];
	char first[128];		/* the first fault, in words */
};

static __printf(3, 4) void nh_hash_fault(struct nh_hash_round *r,
					 enum nh_hash_fault f,
					 const char *fmt, ...)
{
	va_list args;

	r->fault[f]++;
	if (r->first[0])
		return;
	va_start(args, fmt);
	vscnprintf(r->first, sizeof(r->first), fmt, args);
	va_end(args);
}

/*
 * A packet's first answer, whole in one slot and tagged as the list's:
 * which frame it is, and whether every byte is as dom0 sent it.
 */
static void nh_hash_identify(struct nh_vif *v, struct nh_rx_pkt *p,
			     const struct xen_netif_rx_response *rsp, u16 buf,
			     unsigned int round)
{
	const u8 *f = page_address(v->rx_page[buf]);
	u8 want[NH_HASH_LEN] __aligned(4);
	unsigned int idx;

	if (rsp->offset || rsp->status != NH_HASH_LEN ||
	    memcmp(f + NH_HASH_TAG_AT, nh_hash_tag, sizeof(nh_hash_tag)))
		return;
	idx = f[NH_HASH_TAG_AT + 5];
	if (f[NH_HASH_TAG_AT + 4] != round ||
	    (idx >= NH_HASH_FRAMES && idx != NH_HASH_END)) {
		p->unknown = true;
		return;
	}
	p->frame = idx;
	nh_hash_build(v, round, idx, want);
	p->intact = !memcmp(f, want, NH_HASH_LEN);
}

/*
 * A data answer. The backend wrote status, offset and flags: the
 * buffer is read only where they keep inside its page.
 */
static void nh_rx_pkt_data(struct nh_queue *q, struct nh_rx_pkt *p,
			   const struct xen_netif_rx_response *rsp, u16 buf,
			   unsigned int round)
{
	bool first = !p->open;

	if (first) {
		memset(p, 0, sizeof(*p));
		p->open = true;
		p->frame = -1;
	}
	p->more_data = rsp->flags & XEN_NETRXF_more_data;
	/* netif.h has extras follow a packet's first answer only. */
	if (rsp->status < 0 || rsp->id != buf || buf >= NH_RX_BUFS ||
	    rsp->offset + rsp->status > XEN_PAGE_SIZE ||
	    (!first && (rsp->flags & XEN_NETRXF_extra_info))) {
		if (!p->bad) {
			p->bad_rsp = *rsp;
			p->bad_buf = buf;
		}
		p->bad = true;
		return;
	}
	if (first && !p->more_data)
		nh_hash_identify(q->vif, p, rsp, buf, round);
}

static void nh_rx_pkt_extra(struct nh_rx_pkt *p,
			    const struct xen_netif_extra_info *ex)
{
	if (ex->type == XEN_NETIF_EXTRA_TYPE_HASH && !p->nr_hash++) {
		p->hash = *ex;
		return;
	}
	if (!p->nr_other++)
		p->other_type = ex->type;
}

/* A frame of the list, whole: is it as it must be in this round? */
static void nh_hash_judge_ours(struct nh_queue *q, const struct nh_rx_pkt *p,
			       struct nh_hash_round *r)
{
	unsigned int idx = p->frame;
	unsigned int slot = min_t(unsigned int, idx, NH_HASH_FRAMES);
	const char *name = nh_hash_frame_name(idx);
	const struct xen_netif_extra_info *ex = &p->hash;
	struct nh_hash_want w = { .hashed = false };
	u32 value;

	if (r->seen[slot]++) {
		nh_hash_fault(r, NH_HF_TWICE, "frame-%u-%s:again-on-queue-%u",
			      idx, name, q->id);
		return;
	}
	r->ours[q->id]++;
	if (idx == NH_HASH_END)
		r->end_at = jiffies;
	if (!p->intact)
		nh_hash_fault(r, NH_HF_DAMAGED, "frame-%u-%s:not-as-sent", idx,
			      name);
	if (r->hashing)
		w = nh_hash_expect(nh_hash_frame_at(idx));
	if (!w.hashed) {
		if (p->nr_hash)
			nh_hash_fault(r, NH_HF_STRAY_HASH,
				      "frame-%u-%s:hash-extra-type-%u", idx,
				      name, ex->u.hash.type);
		return;
	}
	if (q->id != w.queue)
		nh_hash_fault(r, NH_HF_QUEUE, "frame-%u-%s:on-queue-%u-want-%u",
			      idx, name, q->id, w.queue);
	if (!p->nr_hash) {
		nh_hash_fault(r, NH_HF_NO_HASH,
			      "frame-%u-%s:no-hash-extra-want-type-%u-0x%08x",
			      idx, name, w.type, w.value);
		return;
	}
	/* netif.h: the value's least significant byte first. */
	value = ex->u.hash.value[0] | ex->u.hash.value[1] << 8 |
		ex->u.hash.value[2] << 16 | (u32)ex->u.hash.value[3] << 24;
	if (ex->u.hash.type != w.type ||
	    ex->u.hash.algorithm != XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ ||
	    value != w.value || ex->flags & XEN_NETIF_EXTRA_FLAG_MORE)
		nh_hash_fault(r, NH_HF_WRONG_HASH,
			      "frame-%u-%s:type-%u-alg-%u-0x%08x-flags-0x%x-want-type-%u-alg-%u-0x%08x-flags-0",
			      idx, name, ex->u.hash.type, ex->u.hash.algorithm,
			      value, ex->flags, w.type,
			      XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ, w.value);
}

/*
 * A whole packet off queue @q. Frames that are not the list's (the
 * bridge floods the other vifs' broadcasts here too) must only be well
 * formed; their extras are the backend's business.
 */
static void nh_hash_judge(struct nh_queue *q, const struct nh_rx_pkt *p,
			  struct nh_hash_round *r)
{
	const struct xen_netif_rx_response *b = &p->bad_rsp;

	if (p->bad) {
		nh_hash_fault(r, NH_HF_ANSWER,
			      "queue-%u:status-%d-id-%u-offset-%u-flags-0x%x-for-buffer-%u",
			      q->id, b->status, b->id, b->offset, b->flags,
			      p->bad_buf);
		return;
	}
	/* Copied whole: the backend counts it. */
	q->vif->rx_frames++;
	if (p->unknown)
		nh_hash_fault(r, NH_HF_UNKNOWN,
			      "queue-%u:tag-of-another-round-or-index", q->id);
	if (p->frame < 0) {
		r->others++;
		return;
	}
	/* A second hash extra counts here as well. */
	if (p->nr_other)
		nh_hash_fault(r, NH_HF_EXTRA, "frame-%u-%s:extra-type-%u",
			      p->frame, nh_hash_frame_name(p->frame),
			      p->other_type);
	nh_hash_judge_ours(q, p, r);
}

/* Everything queue @q's receive ring brought, each buffer put back. */
static void nh_hash_take(struct nh_queue *q, struct nh_hash_round *r)
{
	struct nh_rx_pkt *p = &q->rx_pkt;
	struct xen_netif_rx_response rsp;
	bool extra, reposted = false;
	u16 buf;

	while (nh_rx_take(q, &rsp, &buf, &extra)) {
		if (extra)
			nh_rx_pkt_extra(p, (struct xen_netif_extra_info *)&rsp);
		else
			nh_rx_pkt_data(q, p, &rsp, buf, r->round);
		/* Read by now: the buffer may take the next frame. */
		if (buf < NH_RX_BUFS) {
			nh_rx_post(q, buf, q->vif->rx_ref_of[buf]);
			reposted = true;
		}
		if (p->open && !q->rx_extra_next && !p->more_data) {
			p->open = false;
			nh_hash_judge(q, p, r);
		}
	}
	if (reposted)
		nh_rx_push(q);
}

/*
 * The end frame came on one queue; frames the other queue's thread is
 * still copying are given a grace, unless all are there already.
 */
static bool nh_hash_round_over(const struct nh_hash_round *r)
{
	unsigned int i;

	if (!r->seen[NH_HASH_FRAMES])
		return false;
	if (time_after(jiffies, r->end_at + msecs_to_jiffies(NH_HASH_GRACE_MS)))
		return true;
	for (i = 0; i < NH_HASH_FRAMES; i++)
		if (!r->seen[i])
			return false;
	return true;
}

static void nh_hash_receive(struct nh_vif *v, struct nh_hash_round *r)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(NH_HASH_WAIT_MS);
	unsigned int i;

	while (!nh_hash_round_over(r) && !nh_stopped() &&
	       time_before(jiffies, deadline)) {
		nh_rx_wait_any(v, 100);
		for (i = 0; i < v->nr_queues; i++)
			nh_hash_take(&v->queue[i], r);
	}
}

/*
 * One round: buffers on both queues, dom0 asked for the list, and every
 * frame of it looked for and judged, with hashing on or off.
 */
static bool nh_hash_round(struct nh_vif *v, unsigned int round, bool hashing,
			  struct nh_out *o)
{
	struct nh_hash_round r = { .round = round, .hashing = hashing };
	unsigned int i, f, seen = 0, faults = 0;
	int ret;

	nh_want(o, "%s%zu-frames-and-the-end-once-intact-%s",
		o->want[0] ? "+" : "", NH_HASH_FRAMES,
		hashing ? "on-their-queues-with-their-hash" : "with-no-extra");
	nh_got(o, "%s", o->got[0] ? "+" : "");
	/* Buffers before dom0 is asked: frames for them may come at once. */
	for (i = 0; i < v->nr_queues; i++)
		nh_rx_post_good(&v->queue[i]);
	ret = xenbus_printf(XBT_NIL, "data", NH_HASH_KEY, "%u", round);
	if (ret) {
		nh_got(o, "xenstore-write-failed-%d", ret);
		return false;
	}
	nh_hash_receive(v, &r);
	nh_count_open(v, C_TO_GUEST_PACKETS, v->rx_frames);
	for (i = 0; i < NH_HASH_FRAMES; i++) {
		if (r.seen[i])
			seen++;
		else
			nh_hash_fault(&r, NH_HF_MISSING, "frame-%u-%s:missing",
				      i, nh_hash_frame_name(i));
	}
	pr_info("hash round %u: %u of %zu frames, %s end; of them %u on queue 0, %u on queue 1; %u other frame(s)\n",
		round, seen, NH_HASH_FRAMES,
		r.seen[NH_HASH_FRAMES] ? "the" : "no", r.ours[0], r.ours[1],
		r.others);
	nh_got(o, "%u-frames-%s", seen,
	       r.seen[NH_HASH_FRAMES] ? "and-the-end" : "no-end");
	if (r.first[0])
		nh_got(o, ",first:%s", r.first);
	for (f = 0; f < NH_HF_NR; f++) {
		if (r.fault[f])
			nh_got(o, ",%u-%s", r.fault[f], nh_hash_fault_names[f]);
		faults += r.fault[f];
	}
	return r.seen[NH_HASH_FRAMES] && !faults;
}

/*
 * The list must send frames to both queues, by the guest's own reckoning,
 * which must also give the published hashes: else the test proves little,
 * or the guest itself is wrong.
 */
static bool nh_hash_list_usable(struct nh_out *o)
{
	unsigned int i, per_queue[NH_HASH_QUEUES] = { 0, 0 }, wrong = 0;

	for (i = 0; i < NH_HASH_FRAMES; i++) {
		const struct nh_hash_frame *hf = &nh_hash_frames[i];
		struct nh_hash_want w = nh_hash_expect(hf);

		if (!w.hashed)
			continue;
		per_queue[w.queue]++;
		if (hf->published && w.value != hf->published && !wrong++)
			pr_info("hash frame %u: 0x%08x, published 0x%08x\n", i,
				w.value, hf->published);
	}
	if (per_queue[0] && per_queue[1] && !wrong)
		return true;
	nh_want(o, "a-list-for-both-queues-with-the-published-hashes");
	nh_got(o, "%u-frames-for-queue-0,%u-for-queue-1,%u-published-hash(es)-not-reproduced",
	       per_queue[0], per_queue[1], wrong);
	return false;
}

/* The backend offers two queues and a control ring, and both are in use. */
static bool nh_c_hash_connected(struct nh_vif *v, struct nh_out *o)
{
	nh_want(o, "multi-queue-max-queues-%u-or-more,%u-queues,feature-ctrl-ring-1,ring-published",
		NH_HASH_QUEUES, NH_HASH_QUEUES);
	nh_got(o, "multi-queue-max-queues-%u,%u-queue(s),feature-ctrl-ring-%u,ring-%s",
	       v->mq_offered, v->nr_queues, v->ctrl_offered,
	       v->ctrl_published ? "published" : "not-published");
	return v->mq_offered >= NH_HASH_QUEUES &&
	       v->nr_queues == NH_HASH_QUEUES && v->ctrl_offered == 1 &&
	       v->ctrl_published;
}

/*
 * Toeplitz on all four types, the verification key, and a table of 8
 * that sends some hashes to each queue.
 */
static bool nh_c_hash_setup(struct nh_vif *v, struct nh_out *o)
{
	grant_ref_t map = v->pool_ref[NH_CTRL_MAP_PAGE];
	u32 *t = page_address(v->pool[NH_CTRL_MAP_PAGE]);
	unsigned int i;
	bool ok;

	if (!nh_hash_usable(v, o))
		return false;
	for (i = 0; i < NH_HASH_MAPPING_SIZE; i++)
		t[i] = nh_hash_mapping[i];
	ok = nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM,
			  XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ, 0, 0,
			  XEN_NETIF_CTRL_STATUS_SUCCESS, 0, o);
	ok = nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS,
			  NH_CTRL_HASH_TYPES, 0, 0,
			  XEN_NETIF_CTRL_STATUS_SUCCESS, 0, o) && ok;
	ok = nh_ctrl_set_key(v, o) && ok;
	ok = nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE,
			  NH_HASH_MAPPING_SIZE, 0, 0,
			  XEN_NETIF_CTRL_STATUS_SUCCESS, 0, o) && ok;
	return nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, map,
			    NH_HASH_MAPPING_SIZE, 0,
			    XEN_NETIF_CTRL_STATUS_SUCCESS, 0, o) && ok;
}

/* Hashing on: each frame of the list on its queue, with its hash. */
static bool nh_c_hash_on(struct nh_vif *v, struct nh_out *o)
{
	if (!nh_hash_usable(v, o) || !nh_hash_list_usable(o))
		return false;
	return nh_hash_round(v, 1, true, o);
}

/* Hashing off again: the same list, and no extra on any of it. */
static bool nh_c_hash_off(struct nh_vif *v, struct nh_out *o)
{
	bool ok;

	if (!nh_hash_usable(v, o))
		return false;
	ok = nh_ctrl_call(v, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM,
			  XEN_NETIF_CTRL_HASH_ALGORITHM_NONE, 0, 0,
			  XEN_NETIF_CTRL_STATUS_SUCCESS, 0, o);
	return nh_hash_round(v, 2, false, o) && ok;
}

struct nh_case {
	enum nh_role role;
	const char *name;
	bool (*fn)(struct nh_vif *v, struct nh_out *o);
};

/*
 * In the order they run. The budget, chain, racer and ctrl vifs die in
 * their own cases, the victim in its last two; the bystander's last two
 * come after every death. The mcast vif lives to the end, its list full
 * and its filter on for dom0 to look at, and so does the hash vif, its
 * hashing off again.
 */
static const struct nh_case nh_cases[] = {
	{ NH_ANY, "vifs-connected", nh_c_connected },
	{ NH_BYSTANDER, "bystander-valid-before", nh_c_valid_small },
	{ NH_VICTIM, "valid-60-bytes", nh_c_valid_small },
	{ NH_VICTIM, "valid-3-slots", nh_c_valid_3_slots },
	{ NH_VICTIM, "valid-18-slots", nh_c_valid_18_slots },
	{ NH_VICTIM, "valid-headers-in-3-slots", nh_c_valid_hdr_3_slots },
	{ NH_VICTIM, "valid-1518-bytes", nh_c_valid_1518 },
	{ NH_VICTIM, "valid-hash-extra", nh_c_valid_hash_extra },
	{ NH_VICTIM, "valid-gso-tcpv4-3000-bytes", nh_c_valid_gso },
	{ NH_VICTIM, "valid-completed-later", nh_c_valid_completed_later },
	{ NH_VICTIM, "bad-offset-first-slot", nh_c_bad_offset_first },
	{ NH_VICTIM, "bad-offset-later-slot", nh_c_bad_offset_later },
	{ NH_VICTIM, "bad-offset-past-the-page", nh_c_bad_offset_past_page },
	{ NH_VICTIM, "too-many-slots-19", nh_c_too_many_slots },
	{ NH_VICTIM, "header-split-4-slots", nh_c_hdr_split },
	{ NH_VICTIM, "zero-length-later-slot", nh_c_zero_len_later },
	{ NH_VICTIM, "zero-length-first-slot", nh_c_zero_len_first },
	{ NH_VICTIM, "runt-13-bytes", nh_c_runt_13 },
	{ NH_VICTIM, "oversize-1519-bytes", nh_c_oversize_1519 },
	{ NH_VICTIM, "oversize-3-slots-no-gso", nh_c_oversize_3_slots },
	{ NH_VICTIM, "bad-size-later-slots-equal", nh_c_bad_size_equal },
	{ NH_VICTIM, "bad-size-later-slots-more", nh_c_bad_size_more },
	{ NH_VICTIM, "gref-never-granted", nh_c_gref_never_granted },
	{ NH_VICTIM, "gref-revoked", nh_c_gref_revoked },
	{ NH_VICTIM, "gref-of-another-domain", nh_c_gref_other_domain },
	{ NH_VICTIM, "gref-never-granted-later-slot", nh_c_gref_later_slot },
	{ NH_VICTIM, "extra-type-0", nh_c_extra_type_0 },
	{ NH_VICTIM, "extra-type-9", nh_c_extra_type_9 },
	{ NH_VICTIM, "extra-type-200", nh_c_extra_type_200 },
	{ NH_VICTIM, "extra-two-gso", nh_c_extra_two_gso },
	{ NH_VICTIM, "extra-gso-type-7", nh_c_extra_gso_type_7 },
	{ NH_VICTIM, "extra-gso-size-0", nh_c_extra_gso_size_0 },
	{ NH_VICTIM, "extra-mcast-add-and-del", nh_c_extra_mcast_add_and_del },
	{ NH_VICTIM, "csum-blank-not-ip", nh_c_csum_blank_not_ip },
	{ NH_VICTIM, "gso-not-tcp", nh_c_gso_not_tcp },
	{ NH_VICTIM, "bad-between-good", nh_c_bad_between_good },
	{ NH_BYSTANDER, "bystander-receives-victim-frame", nh_c_receives_frame },
	{ NH_VICTIM, "rx-gref-never-granted", nh_c_rx_bad_gref },
	{ NH_VICTIM, "rx-gref-read-only", nh_c_rx_ro_gref },
	{ NH_BUDGET, "budget-refusals-past-bad-limit", nh_c_budget_burst },
	{ NH_BUDGET, "budget-vif-disabled", nh_c_disabled },
	{ NH_CHAIN, "chain-of-64-slots", nh_c_chain },
	{ NH_CHAIN, "chain-vif-disabled", nh_c_disabled },
	{ NH_RACER, "race-size", nh_c_race_size },
	{ NH_RACER, "race-offset", nh_c_race_offset },
	{ NH_RACER, "race-size-and-offset", nh_c_race_both },
	{ NH_RACER, "racer-valid-after-races", nh_c_valid_small },
	{ NH_RACER, "rx-req-prod-1000-ahead-no-answer", nh_c_rx_req_prod_ahead },
	{ NH_RACER, "racer-vif-disabled", nh_c_disabled },
	{ NH_CTRL, "ctrl-ring-offered-and-published", nh_c_ctrl_offered },
	{ NH_CTRL, "ctrl-mapping-size-is-128", nh_c_ctrl_mapping_size },
	{ NH_CTRL, "ctrl-unknown-type-99", nh_c_ctrl_unknown_type },
	{ NH_CTRL, "ctrl-unknown-algorithm", nh_c_ctrl_unknown_algorithm },
	{ NH_CTRL, "ctrl-algorithm-toeplitz", nh_c_ctrl_toeplitz },
	{ NH_CTRL, "ctrl-hash-flags-four-types", nh_c_ctrl_get_flags },
	{ NH_CTRL, "ctrl-set-hash-flags", nh_c_ctrl_set_flags },
	{ NH_CTRL, "ctrl-key-gref-never-granted", nh_c_ctrl_key_bad_gref },
	{ NH_CTRL, "ctrl-key-41-bytes", nh_c_ctrl_key_41 },
	{ NH_CTRL, "ctrl-key-40-bytes", nh_c_ctrl_key_40 },
	{ NH_CTRL, "ctrl-mapping-size-129", nh_c_ctrl_mapping_size_129 },
	{ NH_CTRL, "ctrl-mapping-entry-past-queues", nh_c_ctrl_mapping_bad_entry },
	{ NH_CTRL, "ctrl-mapping-offset-wraps", nh_c_ctrl_mapping_wraps },
	{ NH_CTRL, "ctrl-event-burst-1000", nh_c_ctrl_event_burst },
	{ NH_CTRL, "ctrl-req-prod-1000-ahead-no-answer", nh_c_ctrl_req_prod_ahead },
	{ NH_CTRL, "ctrl-req-prod-put-right-still-silent", nh_c_ctrl_then_silent },
	{ NH_CTRL, "ctrl-vif-disabled", nh_c_disabled },
	{ NH_MCAST, "mcast-offered-and-requested", nh_c_mcast_offered },
	{ NH_MCAST, "mcast-add-group", nh_c_mcast_add },
	{ NH_MCAST, "mcast-add-on-a-frame", nh_c_mcast_add_on_frame },
	{ NH_MCAST, "mcast-add-repeated", nh_c_mcast_add_repeated },
	{ NH_MCAST, "mcast-add-unicast-and-broadcast-refused", nh_c_mcast_add_not_a_group },
	{ NH_MCAST, "mcast-del-absent-refused", nh_c_mcast_del_absent },
	{ NH_MCAST, "mcast-del-group", nh_c_mcast_del },
	{ NH_MCAST, "mcast-empty-slot-with-data-is-a-runt", nh_c_mcast_empty_slot_with_data },
	{ NH_MCAST, "mcast-filter-on-drops-unlisted", nh_c_mcast_filter_on },
	{ NH_MCAST, "mcast-filter-off-at-run-time", nh_c_mcast_filter_off },
	{ NH_MCAST, "mcast-filter-on-again", nh_c_mcast_filter_on_again },
	{ NH_MCAST, "mcast-add-past-64-refused", nh_c_mcast_add_past_64 },
	{ NH_HASH, "hash-two-queues-connected", nh_c_hash_connected },
	{ NH_HASH, "hash-setup", nh_c_hash_setup },
	{ NH_HASH, "hash-frames-on-their-queues", nh_c_hash_on },
	{ NH_HASH, "hash-off-no-extras", nh_c_hash_off },
	{ NH_VICTIM, "event-storm", nh_c_event_storm },
	{ NH_VICTIM, "req-prod-1000-ahead-no-answer", nh_c_req_prod_ahead },
	{ NH_VICTIM, "req-prod-put-right-still-silent", nh_c_req_prod_then_silent },
	{ NH_BYSTANDER, "bystander-valid-after", nh_c_valid_small },
	{ NH_BYSTANDER, "bystander-valid-3-slots-after", nh_c_valid_3_slots },
};

/* ---- the run ---- */

static void nh_result(const char *name, bool ok, const struct nh_out *o)
{
	nh.tried++;
	if (ok) {
		nh.passed++;
		pr_info("case %s ok\n", name);
	} else {
		pr_info("case %s FAIL expected %s got %s\n", name, o->want,
			o->got);
	}
}

static struct nh_vif *nh_role_vif(enum nh_role r)
{
	struct nh_vif *v;

	mutex_lock(&nh.lock);
	v = nh.vifs[r];
	if (v && !smp_load_acquire(&v->connected))
		v = NULL;
	mutex_unlock(&nh.lock);
	return v;
}

/* Every role either connected or refused by its backend, or time is up. */
static bool nh_all_settled(void)
{
	unsigned int r, n = 0;

	mutex_lock(&nh.lock);
	for (r = 0; r < NH_NR_ROLES; r++) {
		struct nh_vif *v = nh.vifs[r];

		if (v && (smp_load_acquire(&v->connected) || READ_ONCE(v->gave_up)))
			n++;
	}
	mutex_unlock(&nh.lock);
	return n == NH_NR_ROLES;
}

static void nh_hold(void)
{
	unsigned long deadline = jiffies + (unsigned long)hold * HZ;
	bool released = false;

	while (!nh_stopped() && time_before(jiffies, deadline)) {
		char *s = xenbus_read(XBT_NIL, "data", NH_RELEASE_KEY, NULL);

		if (!IS_ERR(s)) {
			kfree(s);
			released = true;
			break;
		}
		msleep(200);
	}
	pr_info("%s\n", released ? "released" : "hold ended without release");
}

/* What the backend was given, for whoever reads the log of a failure. */
static void nh_print_vif(enum nh_role r)
{
	struct nh_vif *v = nh_role_vif(r);
	struct nh_queue *q;
	unsigned int i;

	if (!v) {
		pr_info("vif%u (%s): not connected\n", r, nh_role_names[r]);
		return;
	}
	q = &v->queue[0];
	if (v->ctrl_published)
		pr_info("vif%u (%s): mac %pM, tx ring %u, rx ring %u, event channel %u, control ring %u, its event channel %u\n",
			v->handle, nh_role_names[r], v->mac, q->tx_ref,
			q->rx_ref, q->evtchn, v->ctrl_ref, v->ctrl_evtchn);
	else
		pr_info("vif%u (%s): mac %pM, tx ring %u, rx ring %u, event channel %u\n",
			v->handle, nh_role_names[r], v->mac, q->tx_ref,
			q->rx_ref, q->evtchn);
	for (i = 1; i < v->nr_queues; i++) {
		q = &v->queue[i];
		pr_info("vif%u (%s): queue %u: tx ring %u, rx ring %u, event channel %u\n",
			v->handle, nh_role_names[r], i, q->tx_ref, q->rx_ref,
			q->evtchn);
	}
}

static void nh_run(struct work_struct *work)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(NH_CONNECT_WAIT_MS);
	ktime_t start = ktime_get();
	unsigned int i, r;

	while (!nh_all_settled() && !nh_stopped() &&
	       time_before(jiffies, deadline))
		msleep(100);
	pr_info("plan %zu\n", ARRAY_SIZE(nh_cases));
	for (r = 0; r < NH_NR_ROLES; r++)
		nh_print_vif(r);

	for (i = 0; i < ARRAY_SIZE(nh_cases) && !nh_stopped(); i++) {
		const struct nh_case *c = &nh_cases[i];
		struct nh_out *o = &nh.out;
		struct nh_vif *v = NULL;

		memset(o, 0, sizeof(*o));
		if (c->role != NH_ANY) {
			v = nh_role_vif(c->role);
			if (!v) {
				snprintf(o->want, sizeof(o->want), "vif%u-connected",
					 c->role);
				snprintf(o->got, sizeof(o->got), "vif%u-not-connected",
					 c->role);
				nh_result(c->name, false, o);
				continue;
			}
		}
		nh_result(c->name, c->fn(v, o), o);
	}

	for (r = 0; r < NH_NR_ROLES; r++) {
		struct nh_vif *v = nh_role_vif(r);

		if (v)
			nh_print_expect(v);
	}
	pr_info("run took %lld ms\n", ktime_ms_delta(ktime_get(), start));
	pr_info("done %u tried %u passed\n", nh.tried, nh.passed);
	if (hold)
		nh_hold();
}

/* ---- xenbus ---- */

static irqreturn_t nh_interrupt(int irq, void *dev_id)
{
	struct nh_vif *v = dev_id;

	wake_up(&v->wq);
	return IRQ_HANDLED;
}

/* One queue's rings and channel, in directory @dir. */
static int nh_publish_queue(struct xenbus_transaction xbt, const char *dir,
			    const struct nh_queue *q)
{
	int ret;

	ret = xenbus_printf(xbt, dir, "tx-ring-ref", "%u", q->tx_ref);
	if (!ret)
		ret = xenbus_printf(xbt, dir, "rx-ring-ref", "%u", q->rx_ref);
	if (!ret)
		ret = xenbus_printf(xbt, dir, "event-channel", "%u", q->evtchn);
	return ret;
}

/*
 * netif.h's layout: a single queue's keys in the device's directory, as
 * frontends without multi-queue write them; several queues' each in
 * queue-<n>/, and how many there are in multi-queue-num-queues.
 */
static int nh_publish_queues(struct xenbus_transaction xbt, struct nh_vif *v)
{
	const char *node = v->xdev->nodename;
	unsigned int i;
	int ret;

	if (v->nr_queues == 1)
		return nh_publish_queue(xbt, node, &v->queue[0]);
	ret = xenbus_printf(xbt, node, "multi-queue-num-queues", "%u",
			    v->nr_queues);
	for (i = 0; i < v->nr_queues && !ret; i++) {
		char *dir = kasprintf(GFP_KERNEL, "%s/queue-%u", node, i);

		if (!dir)
			return -ENOMEM;
		ret = nh_publish_queue(xbt, dir, &v->queue[i]);
		kfree(dir);
	}
	return ret;
}

static int nh_publish(struct nh_vif *v)
{
	static const char *const on[] = {
		"request-rx-copy", "feature-rx-notify", "feature-sg",
	};
	struct xenbus_device *xdev = v->xdev;
	struct xenbus_transaction xbt;
	unsigned int i;
	int ret;

again:
	ret = xenbus_transaction_start(&xbt);
	if (ret)
		return ret;
	ret = nh_publish_queues(xbt, v);
	for (i = 0; i < ARRAY_SIZE(on) && !ret; i++)
		ret = xenbus_printf(xbt, xdev->nodename, on[i], "%u", 1);
	/* A frontend writes the control ring's keys only if it is offered. */
	if (!ret && v->ctrl_sring && v->ctrl_offered == 1)
		ret = xenbus_printf(xbt, xdev->nodename, "ctrl-ring-ref", "%u",
				    v->ctrl_ref);
	if (!ret && v->ctrl_sring && v->ctrl_offered == 1)
		ret = xenbus_printf(xbt, xdev->nodename, "event-channel-ctrl",
				    "%u", v->ctrl_evtchn);
	/* Before Connected: a backend without the dynamic feature samples it then. */
	if (!ret && v->handle == NH_MCAST && v->mcast_offered == 1)
		ret = xenbus_printf(xbt, xdev->nodename,
				    "request-multicast-control", "%u", 1);
	if (ret) {
		xenbus_transaction_end(xbt, 1);
		return ret;
	}
	ret = xenbus_transaction_end(xbt, 0);
	if (ret == -EAGAIN)
		goto again;
	if (!ret) {
		v->ctrl_published = v->ctrl_sring && v->ctrl_offered == 1;
		v->mcast_requested = v->handle == NH_MCAST &&
				     v->mcast_offered == 1;
	}
	return ret;
}

static void nh_free_queue(struct nh_queue *q)
{
	struct nh_vif *v = q->vif;

	/* Unbinding closes the channel too. */
	if (q->irq > 0)
		unbind_from_irqhandler(q->irq, v);
	else if (q->have_evtchn)
		xenbus_free_evtchn(v->xdev, q->evtchn);
	if (q->tx_sring)
		xenbus_teardown_ring((void **)&q->tx_sring, 1, &q->tx_ref);
	if (q->rx_sring)
		xenbus_teardown_ring((void **)&q->rx_sring, 1, &q->rx_ref);
}

static void nh_free(struct nh_vif *v)
{
	unsigned int i;

	for (i = 0; i < NH_MAX_QUEUES; i++)
		nh_free_queue(&v->queue[i]);
	if (v->ctrl_irq > 0)
		unbind_from_irqhandler(v->ctrl_irq, v);
	else if (v->have_ctrl_evtchn)
		xenbus_free_evtchn(v->xdev, v->ctrl_evtchn);
	/* The grant code frees each page once the backend lets go of it. */
	for (i = 0; i < NH_POOL_PAGES; i++) {
		if (v->pool_granted[i])
			gnttab_end_foreign_access(v->pool_ref[i], v->pool[i]);
		else if (v->pool[i])
			__free_page(v->pool[i]);
	}
	for (i = 0; i < NH_RX_BUFS; i++) {
		if (v->rx_granted[i])
			gnttab_end_foreign_access(v->rx_ref_of[i], v->rx_page[i]);
		else if (v->rx_page[i])
			__free_page(v->rx_page[i]);
	}
	if (v->ctrl_sring)
		xenbus_teardown_ring((void **)&v->ctrl_sring, 1, &v->ctrl_ref);
	kfree(v);
}

/* A page for @v, granted to its backend; false if either failed. */
static bool nh_grant_page(struct nh_vif *v, struct page **page,
			  grant_ref_t *ref, bool *granted, bool readonly)
{
	int r;

	*page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!*page)
		return false;
	r = gnttab_grant_foreign_access(v->xdev->otherend_id,
					xen_page_to_gfn(*page), readonly);
	if (r < 0)
		return false;
	*ref = r;
	*granted = true;
	return true;
}

/* A queue's two rings and the event channel they share. */
static int nh_queue_setup(struct nh_queue *q)
{
	struct xenbus_device *xdev = q->vif->xdev;
	int ret;

	ret = xenbus_setup_ring(xdev, GFP_KERNEL, (void **)&q->tx_sring, 1,
				&q->tx_ref);
	if (ret)
		return ret;
	SHARED_RING_INIT(q->tx_sring);
	ret = xenbus_setup_ring(xdev, GFP_KERNEL, (void **)&q->rx_sring, 1,
				&q->rx_ref);
	if (ret)
		return ret;
	SHARED_RING_INIT(q->rx_sring);
	ret = xenbus_alloc_evtchn(xdev, &q->evtchn);
	if (ret)
		return ret;
	q->have_evtchn = true;
	ret = bind_evtchn_to_irqhandler(q->evtchn, nh_interrupt, 0,
					"xsplit-net-hostile", q->vif);
	if (ret < 0)
		return ret;
	q->irq = ret;
	return 0;
}

/* A control ring and its own event channel. */
static int nh_ctrl_setup(struct nh_vif *v)
{
	struct xenbus_device *xdev = v->xdev;
	int ret;

	ret = xenbus_setup_ring(xdev, GFP_KERNEL, (void **)&v->ctrl_sring, 1,
				&v->ctrl_ref);
	if (ret)
		return ret;
	SHARED_RING_INIT(v->ctrl_sring);
	ret = xenbus_alloc_evtchn(xdev, &v->ctrl_evtchn);
	if (ret)
		return ret;
	v->have_ctrl_evtchn = true;
	ret = bind_evtchn_to_irqhandler(v->ctrl_evtchn, nh_interrupt, 0,
					"xsplit-net-hostile-ctrl", v);
	if (ret < 0)
		return ret;
	v->ctrl_irq = ret;
	return 0;
}

static int nh_probe(struct xenbus_device *xdev,
		    const struct xenbus_device_id *id)
{
	struct nh_vif *v;
	unsigned int i;
	char *mac;
	int ret;

	v = kzalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	v->xdev = xdev;
	init_waitqueue_head(&v->wq);
	/* Any event that finds nothing to do counts, ours or the backend's. */
	nh_count_open(v, C_SPURIOUS_EVENTS, 0);
	if (kstrtouint(strrchr(xdev->nodename, '/') + 1, 10, &v->handle))
		v->handle = UINT_MAX;
	mac = xenbus_read(XBT_NIL, xdev->nodename, "mac", NULL);
	if (IS_ERR(mac) || !mac_pton(mac, v->mac)) {
		/* Frames still need a source: a locally administered one. */
		eth_random_addr(v->mac);
	}
	if (!IS_ERR(mac))
		kfree(mac);

	for (i = 0; i < NH_MAX_QUEUES; i++) {
		v->queue[i].vif = v;
		v->queue[i].id = i;
	}
	v->nr_rings = v->handle == NH_HASH ? NH_HASH_QUEUES : 1;
	/* Until the backend says how many it takes. */
	v->nr_queues = 1;
	for (i = 0; i < v->nr_rings; i++) {
		ret = nh_queue_setup(&v->queue[i]);
		if (ret)
			goto fail;
	}
	ret = -ENOMEM;
	for (i = 0; i < NH_POOL_PAGES; i++)
		if (!nh_grant_page(v, &v->pool[i], &v->pool_ref[i],
				   &v->pool_granted[i], true))
			goto fail;
	for (i = 0; i < NH_RX_BUFS; i++)
		if (!nh_grant_page(v, &v->rx_page[i], &v->rx_ref_of[i],
				   &v->rx_granted[i], false))
			goto fail;
	if (v->handle == NH_CTRL || v->handle == NH_HASH) {
		ret = nh_ctrl_setup(v);
		if (ret)
			goto fail;
	}

	/* Only the first handles have a role; others are bound, unused. */
	mutex_lock(&nh.lock);
	if (v->handle < NH_NR_ROLES && !nh.vifs[v->handle])
		nh.vifs[v->handle] = v;
	mutex_unlock(&nh.lock);
	dev_set_drvdata(&xdev->dev, v);
	pr_info("probed %s: handle %u, tx ring %u, rx ring %u, event channel %u\n",
		xdev->nodename, v->handle, v->queue[0].tx_ref,
		v->queue[0].rx_ref, v->queue[0].evtchn);
	return 0;

fail:
	xenbus_dev_fatal(xdev, ret, "setting up the rings");
	nh_free(v);
	return ret;
}

static void nh_backend_changed(struct xenbus_device *xdev,
			       enum xenbus_state state)
{
	struct nh_vif *v = dev_get_drvdata(&xdev->dev);
	int ret;

	switch (state) {
	case XenbusStateInitWait:
		if (xdev->state != XenbusStateInitialising)
			break;
		v->ctrl_offered = xenbus_read_unsigned(xdev->otherend,
						       "feature-ctrl-ring", 0);
		v->mcast_offered = xenbus_read_unsigned(xdev->otherend,
							"feature-multicast-control",
							0);
		v->mcast_dynamic = xenbus_read_unsigned(xdev->otherend,
							"feature-dynamic-multicast-control",
							0);
		/* Absent: a backend without multi-queue, which takes one. */
		v->mq_offered = xenbus_read_unsigned(xdev->otherend,
						     "multi-queue-max-queues", 1);
		v->nr_queues = clamp(v->mq_offered, 1U, v->nr_rings);
		ret = nh_publish(v);
		if (ret) {
			xenbus_dev_fatal(xdev, ret, "publishing the rings");
			break;
		}
		/* As netfront does: the backend connects on seeing this. */
		xenbus_switch_state(xdev, XenbusStateConnected);
		break;
	case XenbusStateConnected:
		if (xdev->state != XenbusStateConnected)
			break;
		smp_store_release(&v->connected, true);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		/* Refused before connecting: the run waits no longer. */
		if (!smp_load_acquire(&v->connected))
			WRITE_ONCE(v->gave_up, true);
		if (xdev->state != XenbusStateClosed)
			xenbus_frontend_closed(xdev);
		break;
	default:
		break;
	}
}

/* The run uses every vif: it ends before any of them goes. */
static void nh_stop_run(void)
{
	WRITE_ONCE(nh.stopping, true);
	cancel_work_sync(&nh_run_work);
}

static void nh_remove(struct xenbus_device *xdev)
{
	struct nh_vif *v = dev_get_drvdata(&xdev->dev);
	unsigned int r;

	nh_stop_run();
	mutex_lock(&nh.lock);
	for (r = 0; r < NH_NR_ROLES; r++) {
		if (nh.vifs[r] == v)
			nh.vifs[r] = NULL;
	}
	mutex_unlock(&nh.lock);
	dev_set_drvdata(&xdev->dev, NULL);
	nh_free(v);
}

static const struct xenbus_device_id nh_ids[] = {
	{ "vif" },
	{ "" }
};

static struct xenbus_driver nh_driver = {
	.name = "xsplit-test-net-hostile",
	.ids = nh_ids,
	.probe = nh_probe,
	.remove = nh_remove,
	.otherend_changed = nh_backend_changed,
};

static int __init nh_init(void)
{
	int ret;

	/* netif frontends run in PV guests; dom0 is the backend's side. */
	if (!xen_pv_domain() || xen_initial_domain())
		return -ENODEV;
	if (race_rounds > NH_RACE_MAX_ROUNDS)
		return -EINVAL;
	mutex_init(&nh.lock);
	INIT_WORK(&nh_run_work, nh_run);
	/*
	 * Queued first: registering returns only once the vifs there are
	 * have connected, or after minutes if one never does; the run
	 * waits for them with a limit of its own. Minutes of work, the
	 * storm and the silences mostly: not for the system_wq.
	 */
	queue_work(system_long_wq, &nh_run_work);
	ret = xenbus_register_frontend(&nh_driver);
	if (ret) {
		nh_stop_run();
		return ret;
	}
	return 0;
}
module_init(nh_init);

static void __exit nh_exit(void)
{
	nh_stop_run();
	xenbus_unregister_driver(&nh_driver);
}
module_exit(nh_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xsplit test bed: hostile network frontend that attacks the network backend (test use only)");
