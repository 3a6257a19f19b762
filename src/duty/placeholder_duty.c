/* placeholder until the layer has code */
typedef int tb_duty_placeholder;
