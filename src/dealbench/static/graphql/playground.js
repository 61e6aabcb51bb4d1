// The GraphiQL playground of /graphql: its token comes from ?access_token= (see pages.py).
(function () {
  var config = JSON.parse(document.getElementById("dealbench-config").textContent);
  var fetcher = GraphiQL.createFetcher({
    url: config.url,
    headers: { "X-Dealbench-Client": "playground" },
  });
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
