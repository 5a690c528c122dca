set terminal svg size 1100,420 dynamic font 'sans,11' background '#ffffff'
set termoption noenhanced
set output 'scaling_duration.svg'
set multiplot layout 1,3 title 'scaling by session length'
set logscale xy
set grid
set xlabel 'session length, minutes'
set key top left font ',8'
set style data linespoints
set offsets graph 0.05, graph 0.05, 0, 0
set title 'bytes per frame'
plot 'scaling_duration_full_state.dat' using 1:2 title 'full_state', 'scaling_duration_mcap.dat' using 1:2 title 'mcap', 'scaling_duration_reel_lossless.dat' using 1:2 title 'reel_lossless', 'scaling_duration_reel_lossy.dat' using 1:2 title 'reel_lossy', 'scaling_duration_rosbag2_style.dat' using 1:2 title 'rosbag2_style', 'scaling_duration_storevar_lz4.dat' using 1:2 title 'storevar_lz4'
set title 'record CPU us per frame'
plot 'scaling_duration_full_state.dat' using 1:3 title 'full_state', 'scaling_duration_mcap.dat' using 1:3 title 'mcap', 'scaling_duration_reel_lossless.dat' using 1:3 title 'reel_lossless', 'scaling_duration_reel_lossy.dat' using 1:3 title 'reel_lossy', 'scaling_duration_rosbag2_style.dat' using 1:3 title 'rosbag2_style', 'scaling_duration_storevar_lz4.dat' using 1:3 title 'storevar_lz4'
set title 'warm random seek p50, ms'
plot 'scaling_duration_full_state.dat' using 1:4 title 'full_state', 'scaling_duration_mcap.dat' using 1:4 title 'mcap', 'scaling_duration_reel_lossless.dat' using 1:4 title 'reel_lossless', 'scaling_duration_reel_lossy.dat' using 1:4 title 'reel_lossy', 'scaling_duration_rosbag2_style.dat' using 1:4 title 'rosbag2_style', 'scaling_duration_storevar_lz4.dat' using 1:4 title 'storevar_lz4'
unset multiplot
