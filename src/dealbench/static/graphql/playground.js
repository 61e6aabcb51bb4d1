// The GraphiQL playground of /graphql: its token comes from ?access_token= (see pages.py).
(function () {
  var config = JSON.parse(document.getElementById("dealbench-config").textContent);
  var fetcher = GraphiQL.createFetcher({
    url: config.url,
    headers: { "X-Dealbench-Client": "playground" },
  });
  if (config.readonly) {
    var banner = document.createElement("div");
    banner.className = "dealbench-banner";
    banner.textContent = "Read-only demo: queries run here, mutations are refused.";
    document.body.insertBefore(banner, document.getElementById("graphiql"));
  }
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      headers: config.headers,
      defaultHeaders: config.headers,
      shouldPersistHeaders: false,
      defaultQuery: config.query,
      query: config.query,
      defaultEditorToolsVisibility: "headers",
    })
  );
})();
