// GraphQL Voyager for the schema of the token in ?access_token= (see pages.py).
(function () {
  var config = JSON.parse(document.getElementById("dealbench-config").textContent);
  var headers = Object.assign(
    { Accept: "application/json", "Content-Type": "application/json" },
    config.headers
  );
  var introspection = fetch(config.url, {
    method: "POST",
    headers: headers,
    credentials: "omit",
    body: JSON.stringify({ query: GraphQLVoyager.voyagerIntrospectionQuery }),
  }).then(function (response) {
    return response.json();
  });
  GraphQLVoyager.renderVoyager(document.getElementById("voyager"), {
    introspection: introspection,
    displayOptions: { skipRelay: false, showLeafFields: true },
  });
})();
