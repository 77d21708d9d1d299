# Renders the plugin benchmark as a PNG: on the left the single-pod calls (medians as bars, p95 as
# error bars), on the right the node-full case (median wall time of N ADDs, then N DELs, started
# together), each titled with the run's load average before / after:
#   gnuplot -e "datafile='plugin.dat'; outfile='bench.png'" bench/plot.gp
# datafile is what `ibvf-bench-plugin --plot-data` writes: data set 0 one row per call with a
# median and a p95 column per contender, data set 1 one row per burst operation with the median
# wall per contender; the load averages are in its "# load" comments.
load = system("sed -n 's/^# load //p' " . datafile)
burstload = system("sed -n 's/^# burst-load //p' " . datafile)
n = system("sed -n 's/^# burst-size //p' " . datafile)
set terminal pngcairo size 1400,600 font "DejaVu Sans,11"
set output outfile
set multiplot layout 1,2 title "ibvf vs Go host-device + host-local (same run)"
set ylabel "ms"
set yrange [0:*]
set style data histograms
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top right font ",10"
set grid ytics
# Room above the bars for the key.
set offsets 0, 0, graph 0.45, 0

set title "one pod: median per CNI call, error bar p95\nload average before / after: " . load
set style histogram errorbars gap 2 lw 1
# y:ylow:yhigh, so each error bar runs from the median up to the p95.
plot datafile index 0 using 2:2:3:xtic(1) title "ibvf + ibvf-ipam" lc rgb "#9400d3", \
     '' index 0 using 4:4:5 title "ibvf + host-local" lc rgb "#009e73", \
     '' index 0 using 6:6:7 title "host-device + host-local" lc rgb "#56b4e9", \
     '' index 0 using 8:8:9 title "floor: move and configure, exec'd" lc rgb "#e69f00", \
     '' index 0 using 10:10:11 title "floor: bare move, in-process" lc rgb "#bbbbbb", \
     '' index 0 using 12:12:13 title "floor: the same right after a process ran" lc rgb "#777777"

set title n . " pods at once: median wall time of a burst\nload average before / after: " . burstload
set style histogram clustered gap 2
plot datafile index 1 using 2:xtic(1) title "ibvf + ibvf-ipam" lc rgb "#9400d3", \
     '' index 1 using 3 title "ibvf + host-local" lc rgb "#009e73", \
     '' index 1 using 4 title "host-device + host-local" lc rgb "#56b4e9", \
     '' index 1 using 5 title "floor: moves and configurations, exec'd" lc rgb "#e69f00", \
     '' index 1 using 6 title "floor: bare moves, in-process" lc rgb "#bbbbbb"
unset multiplot
