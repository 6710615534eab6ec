"""The students' app: explore a scenario day by day in the browser (`hubspoke app`).

Nothing here is imported by `import sim`: the app needs the optional `app`
extra (Mesa's visualisation, Solara), and `sim.app.serve` checks for it
before anything imports Solara. The pieces:

* `session`  settings -> config -> a model stepped a day at a time, per browser session;
* `views`    the matplotlib figures and the follower-network drawing;
* `texts`    the scenario stories and the one-line metric explanations;
* `page`     the Solara components: the page's frame, its tabs, Play;
* `serve`    the command: options, start-up, the URL, Ctrl-C.
"""
