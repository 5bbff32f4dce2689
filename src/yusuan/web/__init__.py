"""The web application: budgets and audits in a database, browsed, edited and checked in the browser."""
