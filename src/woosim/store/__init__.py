"""The shop's books: every order with its per-status indexes and the listing query, what changes do to orders
(create, update, trash, restore, delete), notes, refunds, webhooks and their signed deliveries, and orders rendered
as the API shows them. It never imports the HTTP face (an import-linter contract): the shop is served, it does not
serve itself."""
