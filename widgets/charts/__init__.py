"""Live time charts (pyqtgraph): PM2.5 per station with the Thai AQI bands, Ping River levels with their thresholds
and projections, fire hotspots per day, and the incident load.

The charts draw the plain data classes of ``services.chart_series`` and never query: the console asks the store on
the database worker (for the window ``sig_range_changed`` reports) and hands the result to ``set_data``.
"""
