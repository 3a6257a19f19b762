/* log.h — logging to stderr with a level set by TIANBAO_LOG
 * (error, warn, info, debug; default warn) or tb_log_set_level. */
#ifndef TB_BASE_LOG_H
#define TB_BASE_LOG_H

enum { TB_LOG_ERROR, TB_LOG_WARN, TB_LOG_INFO, TB_LOG_DEBUG };

void tb_log_set_level(int level);
int tb_log_level(void);
void tb_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define tb_error(...) tb_log(TB_LOG_ERROR, __VA_ARGS__)
#define tb_warn(...) tb_log(TB_LOG_WARN, __VA_ARGS__)
#define tb_info(...) tb_log(TB_LOG_INFO, __VA_ARGS__)
#define tb_debug(...) tb_log(TB_LOG_DEBUG, __VA_ARGS__)

#endif
