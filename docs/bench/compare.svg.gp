set terminal svg size 1100,900 dynamic font 'sans,11' background '#ffffff'
set termoption noenhanced
set output 'compare.svg'
set multiplot layout 2,2 title 'crowd workload: 100 players, 400 props, 3600 s at 60 Hz'
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.8
set logscale y
set grid ytics
unset key
set xtics rotate by -35 font ',8'
set bmargin 9
set title 'bytes per frame (log; lower is better)'
plot 'compare.dat' using 2:xtic(1) lc rgb '#4477aa'
set title 'record CPU us per frame (log; lower is better)'
plot 'compare.dat' using 3:xtic(1) lc rgb '#ee6677'
set title 'warm random seek p50, ms (log; lower is better)'
plot 'compare.dat' using 4:xtic(1) lc rgb '#228833'
set title 'forward playback frames/s (log; higher is better)'
plot 'compare.dat' using 5:xtic(1) lc rgb '#ccbb44'
unset multiplot
