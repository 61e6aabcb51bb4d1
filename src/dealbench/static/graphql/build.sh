#!/usr/bin/env bash
# Rebuild the committed GraphiQL and Voyager files from npm (node_modules is never committed).
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp package.json "$work/"
(cd "$work" && npm install --no-audit --no-fund --ignore-scripts >/dev/null && npm rebuild esbuild >/dev/null)
nm="$work/node_modules"
"$nm/.bin/esbuild" "$nm/graphiql/graphiql.min.js" --minify --legal-comments=none --outfile=graphiql.min.js
"$nm/.bin/esbuild" "$nm/graphiql/graphiql.min.css" --minify --outfile=graphiql.min.css
cp "$nm/react/umd/react.production.min.js" react.production.min.js
cp "$nm/react-dom/umd/react-dom.production.min.js" react-dom.production.min.js
cp "$nm/graphql-voyager/dist/voyager.standalone.js" voyager.standalone.js
cp "$nm/graphql-voyager/dist/voyager.css" voyager.css
ls -la
