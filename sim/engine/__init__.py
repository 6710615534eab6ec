"""The engine: one run of the model, from a validated config to daily rows and a summary.

`model` wires the parts and runs the clock (`clock`); customers (`population`),
the follower graph (`network`), posts (`posts`), reshares (`diffusion`), brand
attacks (`crisis`), influencers, the team and its queues (`team`, `queueing`,
`shifts`, `strategy`), the day's counters (`metrics`), the run summary
(`summary`) and the value beyond the run (`horizon`). Randomness comes from
named streams (`streams`).
"""
