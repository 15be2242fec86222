package difytest

import "maps"

// ExpireSessions ends every session (access tokens), as a restart or the
// token's lifetime would; refresh tokens stay valid.
func (f *Fake) ExpireSessions() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.sessions)
}

// SetReadOnly makes the account unable to edit apps (RBAC 403).
func (f *Fake) SetReadOnly(ro bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.readOnly = ro
}

// Logins counts successful logins.
func (f *Fake) Logins() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.logins
}

// Config returns an app's stored (unmasked) settings for provider.
func (f *Fake) Config(appID, provider string) map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.apps[appID]; a != nil {
		return maps.Clone(a.configs[provider])
	}
	return nil
}

// Trace returns an app's tracing switch.
func (f *Fake) Trace(appID string) (bool, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.apps[appID]; a != nil {
		return a.enabled, a.traceTo
	}
	return false, ""
}

// SetTraceOutside switches tracing as a user in Dify's UI would.
func (f *Fake) SetTraceOutside(appID string, enabled bool, provider string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.apps[appID]; a != nil {
		a.enabled, a.traceTo = enabled, provider
	}
}

// EditConfigOutside changes one stored setting as a UI user would.
func (f *Fake) EditConfigOutside(appID, provider, key, value string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.apps[appID]; a != nil && a.configs[provider] != nil {
		a.configs[provider][key] = value
	}
}

// DeleteConfigOutside removes a provider's settings as a UI user would.
func (f *Fake) DeleteConfigOutside(appID, provider string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.apps[appID]; a != nil {
		delete(a.configs, provider)
		if a.traceTo == provider {
			a.enabled, a.traceTo = false, ""
		}
	}
}
