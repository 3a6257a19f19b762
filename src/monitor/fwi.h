/* fwi.h — the Canadian Forest Fire Weather Index (FWI) System (plan §3.1.3
 * fire monitoring and early warning), computed exactly as the reference
 * implementation, the R package cffdrs (fwi(), .ffmcCalc, .dmcCalc,
 * .dcCalc, .ISIcalc, .buiCalc, .fwiCalc; Van Wagner & Pickett 1985, Van
 * Wagner 1987, day-length adjustment by latitude after Lawson & Armitage
 * 2008).  Pure arithmetic: no database, no allocation. */
#ifndef TB_MONITOR_FWI_H
#define TB_MONITOR_FWI_H

#include <stdbool.h>

/* Start-up values of the moisture codes (cffdrs default init). */
#define TB_FWI_FFMC0 85.0
#define TB_FWI_DMC0 6.0
#define TB_FWI_DC0 15.0

/* Yesterday's moisture codes, carried from day to day. */
typedef struct tb_fwi_codes {
	double ffmc, dmc, dc;
} tb_fwi_codes;

/* One day's noon weather: temperature °C, relative humidity %, 10-m wind
 * km/h, 24-hour rain mm; the month (1–12) and the latitude (degrees, north
 * positive) choose the day-length factors. */
typedef struct tb_fwi_weather {
	double temp, rh, ws, prec;
	int month;
	double lat;
} tb_fwi_weather;

/* The seven outputs of one day. */
typedef struct tb_fwi_day {
	double ffmc, dmc, dc, isi, bui, fwi, dsr;
} tb_fwi_day;

/* The components (cffdrs names in brackets). */
double tb_fwi_ffmc(double ffmc_yda, double temp, double rh, double ws, double prec); /* .ffmcCalc */
double tb_fwi_dmc(double dmc_yda, double temp, double rh, double prec, double lat, int mon,
                  bool lat_adjust); /* .dmcCalc */
double tb_fwi_dc(double dc_yda, double temp, double rh, double prec, double lat, int mon,
                 bool lat_adjust);           /* .dcCalc */
double tb_fwi_isi(double ffmc, double ws);   /* .ISIcalc (fbpMod = FALSE) */
double tb_fwi_bui(double dmc, double dc);    /* .buiCalc */
double tb_fwi_index(double isi, double bui); /* .fwiCalc */
double tb_fwi_dsr(double fwi);               /* Eq. 31: 0.0272 FWI^1.77 */

/* One day of fwi(): rh ≥ 100 is taken as 99.9999 as cffdrs does; `yda` is
 * yesterday's codes (start-up values for the first day).  Inputs must be
 * valid (rh, ws, prec ≥ 0; month 1–12): callers validate. */
void tb_fwi_compute(const tb_fwi_codes *yda, const tb_fwi_weather *w, bool lat_adjust,
                    tb_fwi_day *out);

#endif
