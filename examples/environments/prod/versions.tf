terraform {
  required_version = ">= 1.11"
  required_providers {
    llmops = {
      source = "llmops/llmops"
    }
  }
}

provider "llmops" {}
