# Import ID: <type>/<name>, optionally followed by ?field=value&... for the
# non-secret settings that differ from the defaults. Secrets are write-only
# and cannot be imported: keep them in the configuration.
terraform import llmops_tracing_provider.langfuse 'langfuse/langfuse-prod?public_key=pk-lf-1234567890'
