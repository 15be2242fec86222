terraform import llmops_exporter_image.exporter llmops-exporter:0.1.0
