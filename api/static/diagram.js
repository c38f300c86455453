// Draw the flow diagrams (mermaid source written by the server from the transitions machine).
if (window.mermaid) {
  window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
  window.mermaid.run({ querySelector: "pre.mermaid" });
}
