"""Reports, the last stage of the data flow: files written atomically, statistics, plots.

Nothing here runs the model; everything reads results (a run's daily frame and
summary, a comparison, a sweep's dataset) and turns them into files people read.
"""
