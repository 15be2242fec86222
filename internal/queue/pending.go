package queue

import (
	bolt "go.etcd.io/bbolt"
)

// pendingBucket holds spans the sampler keeps for a decision (see
// sampling.Durable): in the same file as the destination queues, so both
// share commit groups.
var pendingBucket = []byte("sampling:pending")

// Hold stores the records durably (group commit, fsync when configured).
func (s *Store) Hold(keys, values [][]byte) error {
	return s.db.Batch(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(pendingBucket)
		if err != nil {
			return err
		}
		for i := range keys {
			if err := b.Put(keys[i], values[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// Delete removes held records; missing keys are ignored.
func (s *Store) Delete(keys [][]byte) error {
	return s.db.Batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(pendingBucket)
		if b == nil {
			return nil
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// Held returns every held record (copied), for a restart.
func (s *Store) Held() (keys, values [][]byte, err error) {
	err = s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(pendingBucket)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			keys = append(keys, append([]byte(nil), k...))
			values = append(values, append([]byte(nil), v...))
			return nil
		})
	})
	return keys, values, err
}
