/* fwi.c — the FWI System equations, ported from the R package cffdrs
 * (cffdrs/cffdrs_r: R/fine_fuel_moisture_code.r (.ffmcCalc), R/dmcCalc.R, R/dcCalc.R, R/ISIcalc.r,
 * R/buiCalc.R, R/fwiCalc.R, R/fwi.r) with its constants, its day-length
 * tables and its constraints, so that results agree with the package to
 * rounding.  Equation numbers are those of Van Wagner & Pickett (1985). */
#include "monitor/fwi.h"

#include <math.h>

/* Moisture content ↔ FFMC: 250·59.5/101 = 147.27723, used by the current
 * cffdrs (fine_fuel_moisture_code.r, FFMC_COEFFICIENT) in Eqs. 1 and 10 and
 * in the ISI.  The 1985 FORTRAN rounds it to 147.2 in Eq. 10; the cffdrs
 * reference table (tests/fixtures/fire) is reproduced only with the exact
 * coefficient (with 147.2 the FFMC is off by up to 0.24). */
#define FFMC_COEFFICIENT (250.0 * 59.5 / 101.0)

/* Day-length factors for the DMC (Van Wagner 1987; Lawson & Armitage 2008):
 * ell01 46°N standard (lat > 30), ell02 20°N (30 ≥ lat > 10), ell03 20°S
 * (-10 ≥ lat > -30), ell04 40°S (lat ≤ -30); 9 near the equator. */
static const double ell01[12] = {6.5, 7.5, 9, 12.8, 13.9, 13.9, 12.4, 10.9, 9.4, 8, 7, 6};
static const double ell02[12] = {7.9, 8.4, 8.9, 9.5, 9.9, 10.2, 10.1, 9.7, 9.1, 8.6, 8.1, 7.8};
static const double ell03[12] = {10.1, 9.6, 9.1, 8.5, 8.1, 7.8, 7.9, 8.3, 8.9, 9.4, 9.9, 10.2};
static const double ell04[12] = {11.5, 10.5, 9.2, 7.9, 6.8, 6.2, 6.5, 7.4, 8.7, 10, 11.2, 11.8};
/* Day-length factors for the DC: fl01 north of 20°N (standard), fl02 south
 * of 20°S; 1.4 near the equator. */
static const double fl01[12] = {-1.6, -1.6, -1.6, 0.9, 3.8, 5.8, 6.4, 5, 2.4, 0.4, -1.6, -1.6};
static const double fl02[12] = {6.4, 5, 2.4, 0.4, -1.6, -1.6, -1.6, -1.6, -1.6, 0.9, 3.8, 5.8};

static int month_index(int mon)
{
	return mon < 1 ? 0 : mon > 12 ? 11 : mon - 1;
}

double tb_fwi_ffmc(double ffmc_yda, double temp, double rh, double ws, double prec)
{
	double wmo = FFMC_COEFFICIENT * (101 - ffmc_yda) / (59.5 + ffmc_yda); /* Eq. 1 */
	if (prec > 0.5) {                                                     /* Eqs. 2, 3a, 3b */
		double ra = prec - 0.5;
		double wet = 42.5 * ra * exp(-100 / (251 - wmo)) * (1 - exp(-6.93 / ra));
		if (wmo > 150) wet += 0.0015 * (wmo - 150) * (wmo - 150) * sqrt(ra);
		wmo += wet;
	}
	if (wmo > 250) wmo = 250;
	double dry = 0.18 * (21.1 - temp) * (1 - 1 / exp(rh * 0.115));
	double ed = 0.942 * pow(rh, 0.679) + 11 * exp((rh - 100) / 10) + dry; /* Eq. 4 */
	double ew = 0.618 * pow(rh, 0.753) + 10 * exp((rh - 100) / 10) + dry; /* Eq. 5 */
	double z = 0, wm = wmo;
	if (wmo < ed && wmo < ew) { /* Eqs. 6a, 6b, 8: wetting towards ew */
		z = 0.424 * (1 - pow((100 - rh) / 100, 1.7)) +
		    0.0694 * sqrt(ws) * (1 - pow((100 - rh) / 100, 8));
		wm = ew - (ew - wmo) / pow(10, z * 0.581 * exp(0.0365 * temp));
	}
	if (wmo > ed) { /* Eqs. 7a, 7b, 9: drying towards ed */
		z = 0.424 * (1 - pow(rh / 100, 1.7)) + 0.0694 * sqrt(ws) * (1 - pow(rh / 100, 8));
		wm = ed + (wmo - ed) / pow(10, z * 0.581 * exp(0.0365 * temp));
	}
	double ffmc = 59.5 * (250 - wm) / (FFMC_COEFFICIENT + wm); /* Eq. 10 */
	return ffmc > 101 ? 101 : ffmc < 0 ? 0 : ffmc;
}

static double dmc_daylength(double lat, int mon, bool lat_adjust)
{
	int m = month_index(mon);
	if (!lat_adjust || lat > 30) return ell01[m];
	if (lat > 10) return ell02[m];
	if (lat > -10) return 9;
	if (lat > -30) return ell03[m];
	return ell04[m];
}

double tb_fwi_dmc(double dmc_yda, double temp, double rh, double prec, double lat, int mon,
                  bool lat_adjust)
{
	if (temp < -1.1) temp = -1.1;
	double rk = 1.894 * (temp + 1.1) * (100 - rh) * dmc_daylength(lat, mon, lat_adjust) *
	            1e-04; /* Eq. 16 */
	double pr = dmc_yda;
	if (prec > 1.5) {
		double rw = 0.92 * prec - 1.27;                          /* Eq. 11 */
		double wmi = 20 + 280 / exp(0.023 * dmc_yda);            /* Eq. 12 */
		double b = dmc_yda <= 33   ? 100 / (0.5 + 0.3 * dmc_yda) /* Eqs. 13a–c */
		           : dmc_yda <= 65 ? 14 - 1.3 * log(dmc_yda)
		                           : 6.2 * log(dmc_yda) - 17.2;
		double wmr = wmi + 1000 * rw / (48.77 + b * rw); /* Eq. 14 */
		pr = 43.43 * (5.6348 - log(wmr - 20));           /* Eq. 15 */
	}
	if (pr < 0) pr = 0;
	double dmc = pr + rk;
	return dmc < 0 ? 0 : dmc;
}

static double dc_daylength(double lat, int mon, bool lat_adjust)
{
	int m = month_index(mon);
	if (!lat_adjust || lat > 20) return fl01[m];
	if (lat > -20) return 1.4;
	return fl02[m];
}

double tb_fwi_dc(double dc_yda, double temp, double rh, double prec, double lat, int mon,
                 bool lat_adjust)
{
	(void)rh;
	if (temp < -2.8) temp = -2.8;
	double pe = (0.36 * (temp + 2.8) + dc_daylength(lat, mon, lat_adjust)) / 2; /* Eq. 22 */
	if (pe < 0) pe = 0;
	double dr = dc_yda;
	if (prec > 2.8) {
		double rw = 0.83 * prec - 1.27;                /* Eq. 18 */
		double smi = 800 * exp(-1 * dc_yda / 400);     /* Eq. 19 */
		dr = dc_yda - 400 * log(1 + 3.937 * rw / smi); /* Eqs. 20, 21 */
		if (dr < 0) dr = 0;
	}
	double dc = dr + pe; /* Eq. 23 */
	return dc < 0 ? 0 : dc;
}

double tb_fwi_isi(double ffmc, double ws)
{
	double fm = FFMC_COEFFICIENT * (101 - ffmc) / (59.5 + ffmc);           /* Eq. 10 */
	double fw = exp(0.05039 * ws);                                         /* Eq. 24 */
	double ff = 91.9 * exp(-0.1386 * fm) * (1 + pow(fm, 5.31) / 49300000); /* Eq. 25 */
	return 0.208 * fw * ff;                                                /* Eq. 26 */
}

double tb_fwi_bui(double dmc, double dc)
{
	double bui = dmc == 0 && dc == 0 ? 0 : 0.8 * dc * dmc / (dmc + 0.4 * dc); /* Eq. 27a */
	if (bui < dmc) {                                                          /* Eq. 27b */
		double p = dmc == 0 ? 0 : (dmc - bui) / dmc;
		double cc = 0.92 + pow(0.0114 * dmc, 1.7);
		bui = dmc - cc * p;
		if (bui < 0) bui = 0;
	}
	return bui;
}

double tb_fwi_index(double isi, double bui)
{
	double bb = bui > 80 ? 0.1 * isi * (1000 / (25 + 108.64 / exp(0.023 * bui))) /* Eq. 28b */
	                     : 0.1 * isi * (0.626 * pow(bui, 0.809) + 2);            /* Eq. 28a */
	return bb <= 1 ? bb : exp(2.72 * pow(0.434 * log(bb), 0.647)); /* Eqs. 30a, 30b */
}

double tb_fwi_dsr(double fwi)
{
	return 0.0272 * pow(fwi, 1.77);
}

void tb_fwi_compute(const tb_fwi_codes *yda, const tb_fwi_weather *w, bool lat_adjust,
                    tb_fwi_day *out)
{
	double rh = w->rh >= 100 ? 99.9999 : w->rh;
	out->ffmc = tb_fwi_ffmc(yda->ffmc, w->temp, rh, w->ws, w->prec);
	out->dmc = tb_fwi_dmc(yda->dmc, w->temp, rh, w->prec, w->lat, w->month, lat_adjust);
	out->dc = tb_fwi_dc(yda->dc, w->temp, rh, w->prec, w->lat, w->month, lat_adjust);
	out->isi = tb_fwi_isi(out->ffmc, w->ws);
	out->bui = tb_fwi_bui(out->dmc, out->dc);
	out->fwi = tb_fwi_index(out->isi, out->bui);
	out->dsr = tb_fwi_dsr(out->fwi);
}
