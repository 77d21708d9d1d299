# Renders the plugin benchmark's medians (bars) and p95 (error bars) as a PNG:
#   gnuplot -e "datafile='plugin.dat'; outfile='bench.png'" bench/plot.gp
# datafile is what `ibvf-bench-plugin --plot-data` writes: one row per operation, a median and a
# p95 column per contender.
set terminal pngcairo size 1000,560 font "DejaVu Sans,11"
set output outfile
set title "ibvf vs Go host-device + host-local: median wall time per CNI call (error bar: p95)"
set ylabel "ms"
set yrange [0:*]
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top right
set grid ytics
# y:ylow:yhigh, so each error bar runs from the median up to the p95.
plot datafile using 2:2:3:xtic(1) title "ibvf + ibvf-ipam", \
     '' using 4:4:5 title "ibvf + host-local", \
     '' using 6:6:7 title "host-device + host-local", \
     '' using 8:8:9 title "floor: one netns move, exec'd"
