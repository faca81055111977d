// Package fragment implements the PSRP fragment layer (MS-PSRP 2.2.4): the
// big-endian framing that carries PSRP messages inside WS-Man streams.
//
// A message is cut into one or more fragments sharing an ObjectId; the
// first carries the Start flag and FragmentId 0, the last the End flag:
//
//	 0                8                16      17            21
//	+----------------+----------------+-------+-------------+------------//-+
//	| ObjectId u64BE | FragmentId u64 | flags | BlobLen u32 | blob ...      |
//	+----------------+----------------+-------+-------------+------------//-+
//
// A sender numbers its objects with an [ObjectIDs] counter starting at 1
// and cuts messages with [Split] (or packs them lazily, as the psrp
// outbound queues do). A receiver feeds the concatenated stream to a
// [Defragmenter], which parses it, reassembles interleaved objects per
// ObjectId and enforces size caps:
//
//	           Start(id,0)            more(id,n+1)           End
//	(no entry) ----------> pending(id) -----------> pending --------> message
//	     ^                      |  wrong id / dup / oversize              |
//	     |                      v                                         |
//	     +------------------ error (entry dropped) <----------------------+
//
// The package does no I/O and holds no locks; a Defragmenter belongs to
// one goroutine (or to a caller holding its lock).
package fragment
