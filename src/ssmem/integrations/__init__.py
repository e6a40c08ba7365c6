"""Where agents already are: an MCP server, an OpenAI-compatible memory proxy, and
LangChain / LlamaIndex adapters, all over named sessions (`sessions.SessionMemory`) that
live in a local data dir or on a running `ssmem serve`.

The framework packages are optional extras (`ssmem[mcp]`, `ssmem[langchain]`,
`ssmem[llamaindex]`); each module imports its framework itself, so importing this package
needs none of them.
"""
