package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/llmops/terraform-provider-llmops/internal/queue"
)

// registerDiskMetrics exposes the queue volume at scrape time, so that an
// alert sees a full disk coming (free bytes) and sees it refusing (full).
func registerDiskMetrics(reg prometheus.Registerer, store *queue.Store) {
	disk := func(field func(queue.Disk) int64) func() float64 {
		return func() float64 {
			d, err := store.Disk()
			if err != nil {
				return -1
			}
			return float64(field(d))
		}
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "llmops_exporter_queue_disk_free_bytes",
			Help: "Bytes free for the exporter on the durable queue's volume (-1 when it cannot be read)."},
			disk(func(d queue.Disk) int64 { return d.Free })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "llmops_exporter_queue_disk_size_bytes",
			Help: "Size of the durable queue's volume (-1 when it cannot be read)."},
			disk(func(d queue.Disk) int64 { return d.Size })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "llmops_exporter_queue_disk_full",
			Help: "1 while requests are refused because the durable queue's volume is full (/ready answers 503 meanwhile), else 0."},
			func() float64 {
				if full, _ := store.DiskFull(); full {
					return 1
				}
				return 0
			}),
	)
}
