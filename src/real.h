/*
 * real.h — the model code is written once over `real` and built twice:
 * float (the library: SIMD kernels through the dispatched set) and double
 * (-DAEK_F64: the scalar kernels in double, used by verify/ for tight
 * finite-difference checks of the very same source).  AEK_R(name) gives the
 * double build its own symbol names, so both can be linked into one test.
 */
#ifndef AEKIT_REAL_H
#define AEKIT_REAL_H

#ifdef AEK_F64
typedef double real;
#define AEK_R(name) name##_f64
#define AEK_REAL_NAME "double"
#else
typedef float real;
#define AEK_R(name) name
#define AEK_REAL_NAME "float"
#endif

#endif
