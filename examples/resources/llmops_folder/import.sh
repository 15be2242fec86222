terraform import llmops_folder.llm llm
