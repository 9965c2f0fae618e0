package chain

import (
	"github.com/cockroachdb/pebble"
	dbm "github.com/cometbft/cometbft-db"
	cfg "github.com/cometbft/cometbft/config"
)

// dbProvider opens CometBFT's databases as cfg.DefaultDBProvider does,
// but Pebble databases (db_backend "pebbledb", CometBFT's default) with
// a MANIFEST of at most maxManifestBytes, and the transaction index's
// (tx_index.db, which also holds the block index) through releasingDB.
//
// Pebble appends an edit to its MANIFEST at every flush and compaction
// and starts a new one only past 128 MB by default; a pruned database
// compacts every few seconds (the index at every prune), so its
// MANIFEST grew by some 1.3 KB a minute on an idle devnet, towards
// 128 MB per database.
//
// CometBFT v1.0.1's block indexer never closes the iterator with which
// it prunes (state/indexer/block/kv BlockerIndexer.Prune), and an open
// Pebble iterator keeps every table file of its snapshot on disk: each
// prune, every few seconds, then pins the files the previous compaction
// wrote, and the directory grows by some 50 KB a prune although the
// index holds only the retained heights (measured on an idle devnet:
// 2 MB of pinned files for 0.2 MB of live data after 6 minutes, 300 KB
// more a minute).
func dbProvider(ctx *cfg.DBContext) (dbm.DB, error) {
	var db dbm.DB
	var err error
	if dbm.BackendType(ctx.Config.DBBackend) == dbm.PebbleDBBackend {
		db, err = openPebble(ctx.ID, ctx.Config.DBDir(), maxManifestBytes)
	} else {
		db, err = cfg.DefaultDBProvider(ctx)
	}
	if err != nil || ctx.ID != "tx_index" {
		return db, err
	}
	return releasingDB{db}, nil
}

// maxManifestBytes is the size past which a Pebble database of CometBFT's
// starts a new MANIFEST (Pebble's default: 128 MB).
const maxManifestBytes = 1 << 20

// openPebble opens the Pebble database DIR/NAME.db with Pebble's default
// options but a MANIFEST rotated past manifestBytes.
func openPebble(name, dir string, manifestBytes int64) (dbm.DB, error) {
	return dbm.NewPebbleDBWithOpts(name, dir, &pebble.Options{MaxManifestFileSize: manifestBytes})
}

// releasingDB is a database whose iterators release their snapshot as
// soon as they reach their end (releasingIterator), so an iterator that
// its user forgets to close still lets the database delete the files it
// read once it has been read to the end.
type releasingDB struct {
	dbm.DB
}

// Iterator implements dbm.DB.
func (db releasingDB) Iterator(start, end []byte) (dbm.Iterator, error) {
	it, err := db.DB.Iterator(start, end)
	if err != nil {
		return nil, err
	}
	return release(it), nil
}

// ReverseIterator implements dbm.DB.
func (db releasingDB) ReverseIterator(start, end []byte) (dbm.Iterator, error) {
	it, err := db.DB.ReverseIterator(start, end)
	if err != nil {
		return nil, err
	}
	return release(it), nil
}

// releasingIterator closes the iterator it wraps when that becomes
// invalid, keeping its domain and error; Close is then a no-op. Key and
// Value of an invalid iterator panic, as dbm.Iterator's contract says.
type releasingIterator struct {
	it         dbm.Iterator // nil once released
	start, end []byte
	err        error
}

func release(it dbm.Iterator) *releasingIterator {
	r := &releasingIterator{it: it}
	r.start, r.end = it.Domain()
	r.releaseAtEnd()
	return r
}

// releaseAtEnd closes the wrapped iterator if it is exhausted.
func (r *releasingIterator) releaseAtEnd() {
	if r.it == nil || r.it.Valid() {
		return
	}
	r.err = r.it.Error()
	if err := r.it.Close(); r.err == nil {
		r.err = err
	}
	r.it = nil
}

func (r *releasingIterator) Domain() ([]byte, []byte) { return r.start, r.end }

func (r *releasingIterator) Valid() bool { return r.it != nil && r.it.Valid() }

func (r *releasingIterator) Next() {
	if r.it == nil {
		panic("iterator is invalid")
	}
	r.it.Next()
	r.releaseAtEnd()
}

func (r *releasingIterator) Key() []byte {
	if r.it == nil {
		panic("iterator is invalid")
	}
	return r.it.Key()
}

func (r *releasingIterator) Value() []byte {
	if r.it == nil {
		panic("iterator is invalid")
	}
	return r.it.Value()
}

func (r *releasingIterator) Error() error {
	if r.it == nil {
		return r.err
	}
	return r.it.Error()
}

func (r *releasingIterator) Close() error {
	if r.it == nil {
		return nil
	}
	err := r.it.Close()
	r.it = nil
	return err
}
