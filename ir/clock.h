/* Monotonic time and medians, for the tuner's timings. */
#ifndef AIT_CLOCK_H
#define AIT_CLOCK_H

/* Seconds on the monotonic clock. */
double ait_now_s(void);
/* Sorts v[0..n) and returns its median (v[n / 2]). */
double ait_median(double *v, int n);

#endif
