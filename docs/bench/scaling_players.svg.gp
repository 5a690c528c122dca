set terminal svg size 1100,420 dynamic font 'sans,11' background '#ffffff'
set termoption noenhanced
set output 'scaling_players.svg'
set multiplot layout 1,3 title 'scaling by players (20-s sessions)'
set logscale xy
set grid
set xlabel 'players online'
set key top left font ',8'
set style data linespoints
set offsets graph 0.05, graph 0.05, 0, 0
set title 'bytes per frame'
plot 'scaling_players_full_state.dat' using 1:2 title 'full_state', 'scaling_players_mcap.dat' using 1:2 title 'mcap', 'scaling_players_reel_lossless.dat' using 1:2 title 'reel_lossless', 'scaling_players_reel_lossy.dat' using 1:2 title 'reel_lossy', 'scaling_players_rosbag2_style.dat' using 1:2 title 'rosbag2_style', 'scaling_players_storevar_lz4.dat' using 1:2 title 'storevar_lz4'
set title 'record CPU us per frame'
plot 'scaling_players_full_state.dat' using 1:3 title 'full_state', 'scaling_players_mcap.dat' using 1:3 title 'mcap', 'scaling_players_reel_lossless.dat' using 1:3 title 'reel_lossless', 'scaling_players_reel_lossy.dat' using 1:3 title 'reel_lossy', 'scaling_players_rosbag2_style.dat' using 1:3 title 'rosbag2_style', 'scaling_players_storevar_lz4.dat' using 1:3 title 'storevar_lz4'
set title 'warm random seek p50, ms'
plot 'scaling_players_full_state.dat' using 1:4 title 'full_state', 'scaling_players_mcap.dat' using 1:4 title 'mcap', 'scaling_players_reel_lossless.dat' using 1:4 title 'reel_lossless', 'scaling_players_reel_lossy.dat' using 1:4 title 'reel_lossy', 'scaling_players_rosbag2_style.dat' using 1:4 title 'rosbag2_style', 'scaling_players_storevar_lz4.dat' using 1:4 title 'storevar_lz4'
unset multiplot
