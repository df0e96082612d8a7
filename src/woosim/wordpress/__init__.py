"""What the shop imitates of WordPress, PHP and WooCommerce, with no shop state: PHP query strings and JSON,
WordPress argument schemas, `_fields` and errors, WooCommerce authentication and OAuth, local and GMT dates, money
as WooCommerce rounds and prints it."""
