"""WooCommerce webhooks: receiving signed deliveries as hints, and registering and keeping the shops' webhooks.

A delivery only says "this order changed": `dispatch` hands the order ids to whatever brings them up to date
(`HintBatcher` in this process; a queued job when the queue runner exists), and the next sync cycle repairs
whatever deliveries were lost.
"""
