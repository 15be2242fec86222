package tracectx

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

func tid(b byte) pcommon.TraceID { return pcommon.TraceID{b, 1} }

func TestChildBeforeRootInheritsWhenTheRootComes(t *testing.T) {
	c := New[string](30*time.Second, time.Minute, 10, 10)
	now := time.Unix(0, 0)
	if _, _, ok := c.Resolve(tid(1), Labels{}, "llm-1", now); ok {
		t.Fatal("a child with no app and no root yet was not held")
	}
	if _, _, ok := c.Resolve(tid(1), Labels{}, "llm-2", now); ok {
		t.Fatal("second child not held")
	}
	if c.Held() != 2 {
		t.Fatalf("held %d", c.Held())
	}
	rel := c.Observe(tid(1), Labels{AppID: "app-1", AppName: "Bot"}, true, now.Add(time.Second))
	if len(rel) != 2 || rel[0].Labels.AppID != "app-1" || rel[1].Outcome != Inherited || c.Held() != 0 {
		t.Fatalf("released %+v", rel)
	}
	// A late child after the root inherits at once.
	l, outcome, ok := c.Resolve(tid(1), Labels{}, "llm-3", now.Add(2*time.Second))
	if !ok || l.AppName != "Bot" || outcome != Inherited {
		t.Fatalf("late child: %+v %s %v", l, outcome, ok)
	}
	// A span naming its own app keeps it.
	if l, outcome, ok := c.Resolve(tid(1), Labels{AppID: "other"}, "x", now); !ok || l.AppID != "other" || outcome != Own {
		t.Fatalf("own: %+v %s", l, outcome)
	}
}

func TestAppOnANonRootSpanReleases(t *testing.T) {
	// Dify's ENABLE_OTEL: the app is on AppGenerateService.generate, a child
	// of the HTTP root.
	c := New[string](30*time.Second, time.Minute, 10, 10)
	now := time.Unix(0, 0)
	c.Resolve(tid(2), Labels{}, "node", now)
	rel := c.Observe(tid(2), Labels{AppID: "app-2"}, false, now)
	if len(rel) != 1 || rel[0].Labels.AppID != "app-2" {
		t.Fatalf("%+v", rel)
	}
}

func TestRootWithoutAppAndTimeouts(t *testing.T) {
	c := New[string](10*time.Second, time.Minute, 10, 10)
	now := time.Unix(0, 0)
	c.Resolve(tid(3), Labels{}, "a", now)
	if rel := c.Observe(tid(3), Labels{}, true, now); len(rel) != 1 || rel[0].Outcome != NoApp {
		t.Fatalf("root without app: %+v", rel)
	}
	if _, outcome, ok := c.Resolve(tid(3), Labels{}, "b", now); !ok || outcome != NoApp {
		t.Fatalf("after a root without app: %s %v", outcome, ok)
	}
	c.Resolve(tid(4), Labels{}, "c", now)
	if rel := c.Expire(now.Add(9 * time.Second)); len(rel) != 0 {
		t.Fatalf("released before Wait: %+v", rel)
	}
	if rel := c.Expire(now.Add(10 * time.Second)); len(rel) != 1 || rel[0].Outcome != WaitedOut || rel[0].Item != "c" {
		t.Fatalf("after Wait: %+v", rel)
	}
	c.Expire(now.Add(2 * time.Minute))
	if len(c.traces) != 0 {
		t.Fatalf("traces not forgotten after TTL: %d", len(c.traces))
	}
}

func TestBoundsNeverDropAnItem(t *testing.T) {
	c := New[int](time.Minute, time.Minute, 3, 4)
	now := time.Unix(0, 0)
	emitted := 0
	for i := range 10 {
		_, outcome, ok := c.Resolve(tid(byte(i)), Labels{}, i, now)
		if ok {
			if outcome != Overflow {
				t.Fatalf("item %d: %s", i, outcome)
			}
			emitted++
		}
	}
	emitted += len(c.Expire(now)) // items released by trace eviction
	if emitted+c.Held() != 10 {
		t.Fatalf("emitted %d + held %d != 10", emitted, c.Held())
	}
	if len(c.traces) > 3 || c.Held() > 4 {
		t.Fatalf("bounds exceeded: %d traces, %d held", len(c.traces), c.Held())
	}
}

// Dify's Aliyun client sends each trace's root first, in batches of at
// most 50 spans that split traces: a root naming its app arrives with
// nothing waiting, and the trace's LLM calls come in a later request. They
// inherit at once, not after Wait.
func TestRootFirstThenChildrenInALaterRequest(t *testing.T) {
	c := New[string](30*time.Second, time.Minute, 10, 10)
	now := time.Unix(0, 0)
	if rel := c.Observe(tid(7), Labels{AppID: "app-aliyun", AppName: "Support"}, true, now); len(rel) != 0 {
		t.Fatalf("released %+v", rel)
	}
	l, outcome, ok := c.Resolve(tid(7), Labels{}, "llm", now.Add(100*time.Millisecond))
	if !ok || l.AppID != "app-aliyun" || l.AppName != "Support" || outcome != Inherited {
		t.Fatalf("child after its root: %+v %s %v (held: %d)", l, outcome, ok, c.Held())
	}
	// A root naming no app with nothing waiting is not remembered.
	c.Observe(tid(8), Labels{}, true, now)
	if _, _, ok := c.Resolve(tid(8), Labels{}, "llm", now); ok {
		t.Fatal("a root without an app was remembered")
	}
}
