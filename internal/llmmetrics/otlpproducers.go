package llmmetrics

import (
	"slices"
	"time"
)

// maxProducers bounds the live producers of one series; beyond it the
// longest-silent one is retired early (its counters kept, its gauge dropped).
const maxProducers = 1024

// contribution is one producer's share of a series.
type contribution struct {
	value, sum float64
	count      uint64
	buckets    []uint64 // non-cumulative, len(bounds)+1
	updated    time.Time
}

func (c *contribution) add(o *contribution) {
	c.value += o.value
	c.sum += o.sum
	c.count += o.count
	for i := range o.buckets {
		if i < len(c.buckets) {
			c.buckets[i] += o.buckets[i]
		}
	}
}

// producer returns the live contribution of a producer, creating it.
func (se *otlpSeries) producer(src source) *contribution {
	c := se.producers[src.producer]
	if c == nil {
		if len(se.producers) >= maxProducers {
			se.retireOldest()
		}
		c = &contribution{}
		if se.histogram {
			c.buckets = make([]uint64, len(se.bounds)+1)
		}
		se.producers[src.producer] = c
	}
	c.updated = src.now
	return c
}

// addNumber records a sum or gauge point.
func (se *otlpSeries) addNumber(src source, v float64, delta, monotonic bool) {
	if delta {
		se.retired.value += v
		return
	}
	c := se.producer(src)
	if monotonic && v < c.value { // the producer restarted: keep what it had counted
		se.retired.value += c.value
	}
	c.value = v
}

// addHistogram records a histogram point. New bounds start the series over:
// buckets with different boundaries cannot be added.
func (se *otlpSeries) addHistogram(src source, bounds []float64, counts []uint64, count uint64, sum float64, delta bool) {
	if !slices.Equal(se.bounds, bounds) {
		se.bounds = bounds
		se.retired = contribution{buckets: make([]uint64, len(bounds)+1)}
		clear(se.producers)
	}
	if delta {
		se.retired.add(&contribution{buckets: counts, count: count, sum: sum})
		return
	}
	c := se.producer(src)
	if count < c.count {
		se.retired.add(c)
	}
	c.buckets, c.count, c.sum = slices.Clone(counts), count, sum
}

// retire folds producers silent since before cutoff into the series.
func (se *otlpSeries) retire(cutoff time.Time) {
	for k, c := range se.producers {
		if c.updated.Before(cutoff) {
			se.fold(c)
			delete(se.producers, k)
		}
	}
}

func (se *otlpSeries) retireOldest() {
	var oldest string
	for k, c := range se.producers {
		if oldest == "" || c.updated.Before(se.producers[oldest].updated) {
			oldest = k
		}
	}
	se.fold(se.producers[oldest])
	delete(se.producers, oldest)
}

// fold keeps a departing producer's counts; a gauge's last value goes.
func (se *otlpSeries) fold(c *contribution) {
	if se.counter || se.histogram {
		se.retired.add(c)
	}
}

// total is the exposed value: retired plus every live producer.
func (se *otlpSeries) total() contribution {
	t := contribution{value: se.retired.value, sum: se.retired.sum, count: se.retired.count}
	if se.histogram {
		t.buckets = make([]uint64, len(se.bounds)+1)
		t.add(&contribution{buckets: se.retired.buckets})
	}
	for _, c := range se.producers {
		t.add(c)
	}
	return t
}
